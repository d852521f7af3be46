//! Tidy checks over the server's source, as rust-analyzer's tidy tests do: the layers stay
//! layers (the store and the domain operations know nothing of HTTP or HTML), files stay
//! small enough to read, every redb table is defined in the one schema that backups walk,
//! and the operator's tool links no GUI.

use std::path::{Path, PathBuf};

/// Longest a file under `sync-server/src` may be.
const MAX_LINES: usize = 600;

/// Crates and modules the layers below HTTP must not use.
const HTTP_NAMES: [&str; 5] = ["axum", "hyper", "maud", "http", "tower"];

fn server_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../sync-server/src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            rust_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// Every source file of the server, with its path relative to `src` and its text.
fn sources() -> anyhow::Result<Vec<(String, String)>> {
    let root = server_src();
    let mut files = Vec::new();
    rust_files(&root, &mut files)?;
    files.sort();
    anyhow::ensure!(
        files.len() > 10,
        "found only {} files in {root:?}",
        files.len()
    );
    files
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(&root)?.to_string_lossy().replace('\\', "/");
            Ok((rel, std::fs::read_to_string(&p)?))
        })
        .collect()
}

/// Lines of code that name `name` as a path (`use name…`, `name::…`), ignoring comments and
/// longer names that begin the same (`crate::httpd` is not `crate::http`).
fn names(text: &str, name: &str) -> Vec<usize> {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let names_it = |code: &str| {
        code.match_indices(name).any(|(at, _)| {
            let before = code[..at].chars().next_back();
            let after = &code[at + name.len()..];
            let whole = !before.is_some_and(ident) && !after.chars().next().is_some_and(ident);
            whole && (after.starts_with("::") || code.trim_start().starts_with("use "))
        })
    };
    text.lines()
        .enumerate()
        .filter(|(_, l)| names_it(l.split("//").next().unwrap_or("")))
        .map(|(i, _)| i + 1)
        .collect()
}

#[test]
fn store_and_service_know_nothing_of_http() -> anyhow::Result<()> {
    let mut found = Vec::new();
    for (file, text) in sources()? {
        if !(file.starts_with("store/") || file.starts_with("service/")) {
            continue;
        }
        for name in HTTP_NAMES {
            for line in names(&text, name) {
                found.push(format!("{file}:{line} uses {name}"));
            }
        }
    }
    anyhow::ensure!(found.is_empty(), "layer violations:\n{}", found.join("\n"));
    Ok(())
}

/// The server's layers, lowest first: a module may use its own layer and those below it,
/// never one above (so `store` knows no `service`, `service` no `http`).
const LAYERS: [(&str, &[&str]); 4] = [
    ("store", &[]),
    ("sync", &["store"]),
    ("service", &["store", "sync"]),
    ("http", &["store", "sync", "service"]),
];

#[test]
fn no_layer_uses_one_above_it() -> anyhow::Result<()> {
    let mut found = Vec::new();
    for (file, text) in sources()? {
        let Some((layer, below)) = LAYERS
            .iter()
            .find(|(layer, _)| file.starts_with(&format!("{layer}/")))
        else {
            continue;
        };
        for (other, _) in LAYERS {
            if other == *layer || below.contains(&other) {
                continue;
            }
            for line in names(&text, &format!("crate::{other}")) {
                found.push(format!("{file}:{line} ({layer}) uses crate::{other}"));
            }
        }
    }
    anyhow::ensure!(found.is_empty(), "layer violations:\n{}", found.join("\n"));
    Ok(())
}

#[test]
fn the_checks_see_what_they_look_for() {
    // The checks must be able to fail: each shape they refuse is recognised.
    assert_eq!(names("use axum::Router;", "axum"), [1]);
    assert_eq!(names("fn f() -> axum::Json<()> {}", "axum"), [1]);
    assert_eq!(
        names("let x = 1; // axum::Router", "axum"),
        Vec::<usize>::new()
    );
    assert_eq!(names("use crate::http::admin;", "crate::http"), [1]);
    assert_eq!(
        names("use crate::httpd;", "crate::http"),
        Vec::<usize>::new()
    );
}

#[test]
fn server_files_stay_short() -> anyhow::Result<()> {
    let long: Vec<String> = sources()?
        .into_iter()
        .map(|(file, text)| (file, text.lines().count()))
        .filter(|(_, lines)| *lines > MAX_LINES)
        .map(|(file, lines)| format!("{file}: {lines} lines, more than {MAX_LINES}"))
        .collect();
    anyhow::ensure!(long.is_empty(), "{}", long.join("\n"));
    Ok(())
}

#[test]
fn every_table_is_defined_in_the_schema() -> anyhow::Result<()> {
    let mut found = Vec::new();
    for (file, text) in sources()? {
        if file == "store/schema.rs" {
            continue;
        }
        for (i, line) in text.lines().enumerate() {
            if line.contains("TableDefinition::new(\"") || line.contains("JsonTable::new(\"") {
                found.push(format!("{file}:{}", i + 1));
            }
        }
    }
    anyhow::ensure!(
        found.is_empty(),
        "tables defined outside store/schema.rs (backups would miss them):\n{}",
        found.join("\n")
    );
    Ok(())
}

/// The operator's command line tool links no GUI: walked through Cargo.lock from
/// `frivillig-provisioning`, no egui, eframe, wgpu or winit is reached (it pulled all four
/// in once, for one re-export from the kiosk crate).
#[test]
fn the_operators_tool_links_no_gui() -> anyhow::Result<()> {
    let lock: toml::Value = toml::from_str(&std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock"),
    )?)?;
    let packages = lock["package"]
        .as_array()
        .ok_or_else(|| anyhow::anyhow!("no packages in Cargo.lock"))?;
    let deps_of = |name: &str, version: Option<&str>| -> Vec<(String, Option<String>)> {
        packages
            .iter()
            .filter(|p| p["name"].as_str() == Some(name))
            .filter(|p| version.is_none_or(|v| p["version"].as_str() == Some(v)))
            .flat_map(|p| {
                p.get("dependencies")
                    .and_then(|d| d.as_array())
                    .cloned()
                    .unwrap_or_default()
            })
            .filter_map(|d| {
                let mut words = d.as_str()?.split(' ');
                Some((words.next()?.to_owned(), words.next().map(str::to_owned)))
            })
            .collect()
    };
    let reached = |from: &str| {
        let mut seen = std::collections::BTreeSet::new();
        let mut todo = vec![(from.to_owned(), None::<String>)];
        while let Some((name, version)) = todo.pop() {
            if !seen.insert((name.clone(), version.clone())) {
                continue;
            }
            todo.extend(deps_of(&name, version.as_deref()));
        }
        seen.into_iter()
            .map(|(n, _)| n)
            .collect::<std::collections::BTreeSet<_>>()
    };
    const GUI: [&str; 5] = ["egui", "eframe", "wgpu", "winit", "frivillig-kiosk"];
    // The walk sees what it looks for: from the kiosk it reaches egui.
    anyhow::ensure!(
        reached("frivillig-kiosk").contains("egui"),
        "the walk is blind"
    );
    let tool = reached("frivillig-provisioning");
    anyhow::ensure!(tool.len() > 20, "the walk found only {tool:?}");
    let gui: Vec<&String> = tool.iter().filter(|n| GUI.contains(&n.as_str())).collect();
    anyhow::ensure!(gui.is_empty(), "frivillig-provisioning reaches {gui:?}");
    Ok(())
}
