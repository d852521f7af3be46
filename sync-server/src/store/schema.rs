//! Every table of the server's database, defined in one place, and the one list of them
//! that opening the store and taking a backup both walk.
//!
//! A table is defined only through [`tables!`] (a tidy test refuses `TableDefinition::new`
//! anywhere else in the server), so a new table cannot be forgotten by the backup: it is
//! either copied or left out with the reason written beside it.

use redb::{Key, ReadTransaction, ReadableTable, TableDefinition, TableHandle, Value};
use redb::{TableError, WriteTransaction};

use super::attendance::Attendance;
use super::follow_up::FollowUp;
use super::invitations::Invitation;
use super::json::JsonTable;
use super::nominations::Nomination;
use super::outbox::OutboxRow;
use super::rows::{
    AccountRow, ApiTokenRow, AuditEntry, DeviceRow, EnrolCodeRow, JournalRow, PairDecision,
    RefusedRow, SessionRow, SignupRow,
};
use super::schedule::ShiftTold;
use super::stories::StoryRow;
use super::templates::TemplateRow;
use super::volunteers::{SignInLink, VolunteerPrefs, VolunteerSession};

/// Whether a backup carries a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InBackup {
    /// Copied row by row into every backup and counted in its manifest.
    Copied,
    /// Left out, for the reason given.
    LeftOut(&'static str),
}

/// One table of the schema, whatever its key and value types.
pub trait AnyTable: Sync {
    /// Its name in the database file.
    fn name(&self) -> &str;
    /// Name and types, as redb spells them (part of a backup's digest).
    fn signature(&self) -> String;
    /// Whether backups carry it.
    fn in_backup(&self) -> InBackup;
    /// Create it in `tx` if it does not exist.
    fn create(&self, tx: &WriteTransaction) -> Result<(), redb::Error>;
    /// Hand every row of `src`'s table to `row` as key and value bytes, in key order, and
    /// copy it into `dst` when given. `None` if `src` has no such table.
    fn copy_rows(
        &self,
        src: &ReadTransaction,
        dst: Option<&WriteTransaction>,
        row: &mut dyn FnMut(&[u8], &[u8]),
    ) -> Result<Option<u64>, redb::Error>;
}

/// A table definition as the schema lists it.
struct Listed<K: Key + 'static, V: Value + 'static> {
    def: TableDefinition<'static, K, V>,
    backup: InBackup,
}

// Sync: the list is a static; every key and value type of a table is plain data.
impl<K: Key + Sync + 'static, V: Value + Sync + 'static> AnyTable for Listed<K, V> {
    fn name(&self) -> &str {
        self.def.name()
    }

    fn signature(&self) -> String {
        self.def.to_string()
    }

    fn in_backup(&self) -> InBackup {
        self.backup
    }

    fn create(&self, tx: &WriteTransaction) -> Result<(), redb::Error> {
        tx.open_table(self.def)?;
        Ok(())
    }

    fn copy_rows(
        &self,
        src: &ReadTransaction,
        dst: Option<&WriteTransaction>,
        row: &mut dyn FnMut(&[u8], &[u8]),
    ) -> Result<Option<u64>, redb::Error> {
        let table = match src.open_table(self.def) {
            Ok(t) => t,
            Err(TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let mut out = dst.map(|tx| tx.open_table(self.def)).transpose()?;
        let mut rows = 0;
        for item in table.iter()? {
            let (k, v) = item?;
            {
                let (kv, vv) = (k.value(), v.value());
                row(K::as_bytes(&kv).as_ref(), V::as_bytes(&vv).as_ref());
            }
            if let Some(out) = out.as_mut() {
                out.insert(k.value(), v.value())?;
            }
            rows += 1;
        }
        Ok(Some(rows))
    }
}

/// Defines each table as a constant and lists them all, in order, in [`ALL_TABLES`].
macro_rules! tables {
    (@def JsonTable $name:ident) => { $name.def() };
    (@def TableDefinition $name:ident) => { $name };
    ($($(#[$doc:meta])* $name:ident: $kind:ident<$k:ty, $v:ty> = $init:expr, $backup:expr;)*) => {
        $($(#[$doc])* pub const $name: $kind<$k, $v> = $init;)*

        /// Every table of the server's database, in the order backups walk them (the
        /// order is part of a backup's digest: append, never reorder).
        pub static ALL_TABLES: &[&dyn AnyTable] = &[
            $(&Listed { def: tables!(@def $kind $name), backup: $backup }),*
        ];
    };
}

tables! {
    /// Enrolled devices by kiosk id.
    DEVICES: JsonTable<&str, DeviceRow> = JsonTable::new("devices"), InBackup::Copied;
    /// Journals by document id: owner, day, how far the durable copy reaches.
    JOURNALS: JsonTable<&str, JournalRow> = JsonTable::new("journals"), InBackup::Copied;
    /// The durable copy of each journal: (document id, chunk number) -> Automerge chunk.
    JOURNAL_CHUNKS: TableDefinition<(&str, u32), &[u8]> =
        TableDefinition::new("journal_chunks"), InBackup::Copied;
    /// Opened signups by signup id.
    SIGNUPS: JsonTable<&str, SignupRow> = JsonTable::new("signups"), InBackup::Copied;
    /// Index of signups: (field, value, signup id) -> () for the fields in
    /// [`INDEX_FIELDS`](super::INDEX_FIELDS).
    INDEX: TableDefinition<(&str, &str, &str), ()> =
        TableDefinition::new("signup_index"), InBackup::Copied;
    /// Settings: name -> value.
    META: TableDefinition<&str, &str> = TableDefinition::new("meta"), InBackup::Copied;
    /// samod's chunks, defined beside the storage that writes them.
    SAMOD_CHUNKS: TableDefinition<&str, &[u8]> =
        frivillig_common::storage::CHUNKS, InBackup::Copied;
    /// One-time enrolment codes by SHA-256 of the normalised code.
    ENROL_CODES: JsonTable<&str, EnrolCodeRow> = JsonTable::new("enrol_codes"), InBackup::Copied;
    /// Web-app accounts by user name.
    ACCOUNTS: JsonTable<&str, AccountRow> = JsonTable::new("accounts"), InBackup::Copied;
    /// The audit log by sequence number.
    AUDIT: JsonTable<u64, AuditEntry> = JsonTable::new("audit"), InBackup::Copied;
    /// Erased signups: signup id -> RFC 3339 time of erasure. Holds no personal data.
    ERASED: TableDefinition<&str, &str> = TableDefinition::new("erased_signups"), InBackup::Copied;
    /// Journals replaced by a rewrite: old document id -> new document id.
    RETIRED: TableDefinition<&str, &str> =
        TableDefinition::new("retired_journals"), InBackup::Copied;
    /// Decisions on duplicate suggestions: "id-a|id-b" (a < b) -> decision.
    DUPLICATES: JsonTable<&str, PairDecision> = JsonTable::new("duplicates"), InBackup::Copied;
    /// Sessions by SHA-256 of the session token.
    SESSIONS: JsonTable<&str, SessionRow> = JsonTable::new("sessions"),
        InBackup::LeftOut("a restored server starts with everyone logged out");
    /// Records the ingest's trust checks refused: "journal id/signup id" -> the record and
    /// why.
    REFUSED: JsonTable<&str, RefusedRow> = JsonTable::new("refused_records"), InBackup::Copied;
    /// API credentials by SHA-256 of the token.
    API_TOKENS: JsonTable<&str, ApiTokenRow> = JsonTable::new("api_tokens"), InBackup::Copied;
    /// Every message owed to someone, by sequence number (see [`super::outbox`]).
    OUTBOX: JsonTable<u64, OutboxRow> = JsonTable::new("outbox"), InBackup::Copied;
    /// The queue: (due at, Unix ms; sequence number) -> () for each message not yet sent.
    OUTBOX_DUE: TableDefinition<(u64, u64), ()> =
        TableDefinition::new("outbox_due"), InBackup::Copied;
    /// The messages of each signup: (signup id, sequence number) -> ().
    OUTBOX_BY_SIGNUP: TableDefinition<(&str, u64), ()> =
        TableDefinition::new("outbox_by_signup"), InBackup::Copied;
    /// Each shift's times as volunteers were last told of them (see [`super::schedule`]).
    SHIFTS_TOLD: JsonTable<&str, ShiftTold> = JsonTable::new("shifts_told"), InBackup::Copied;
    /// Reminders sent: (signup id, the shift's start) -> ().
    REMINDED: TableDefinition<(&str, &str), ()> =
        TableDefinition::new("reminders_sent"), InBackup::Copied;
    /// Sign-in links to Min side by SHA-256 of their token (see [`super::volunteers`]).
    SIGN_IN_LINKS: JsonTable<&str, SignInLink> = JsonTable::new("sign_in_links"),
        InBackup::LeftOut("single-use links valid half an hour; after a restore people ask for a new one");
    /// Volunteers signed in to Min side, by SHA-256 of their session token.
    VOLUNTEER_SESSIONS: JsonTable<&str, VolunteerSession> = JsonTable::new("volunteer_sessions"),
        InBackup::LeftOut("sessions end when a backup is restored, as the staff's do");
    /// What each person chose beyond their signups, by e-mail address.
    VOLUNTEER_PREFS: JsonTable<&str, VolunteerPrefs> = JsonTable::new("volunteer_prefs"),
        InBackup::Copied;
    /// Calendar feeds: SHA-256 of a feed's token -> the address whose shifts it lists.
    /// Copied, with the key in `meta`, so subscribed calendars keep working after a restore.
    CALENDAR_FEEDS: TableDefinition<&str, &str> =
        TableDefinition::new("calendar_feeds"), InBackup::Copied;
    /// Message templates an admin wrote: "kind/language" -> the text (see
    /// [`super::templates`]).
    TEMPLATES: JsonTable<&str, TemplateRow> = JsonTable::new("message_templates"),
        InBackup::Copied;
    /// Photos the catalog names, by content hash and size (JPEG bytes).
    PHOTOS: TableDefinition<(&str, &str), &[u8]> =
        TableDefinition::new("photos"), InBackup::Copied;
    /// Signups marked for follow-up because their shift moved or was cancelled.
    FOLLOW_UPS: JsonTable<&str, FollowUp> = JsonTable::new("follow_ups"), InBackup::Copied;
    /// Invitations to events: "event id address" -> who, the link's hash, the answer (see
    /// [`super::invitations`]).
    INVITATIONS: JsonTable<&str, Invitation> = JsonTable::new("invitations"), InBackup::Copied;
    /// SHA-256 of an invitation link's token -> the invitation's key.
    INVITATION_LINKS: TableDefinition<&str, &str> =
        TableDefinition::new("invitation_links"), InBackup::Copied;
    /// Good stories as the editors keep them, with the consents of the people in them (see
    /// [`super::stories`]).
    STORIES: JsonTable<&str, StoryRow> = JsonTable::new("stories"), InBackup::Copied;
    /// Attendance coordinators recorded: signup id -> present or no-show, hours by hand (see
    /// [`super::attendance`]).
    ATTENDANCE: JsonTable<&str, Attendance> = JsonTable::new("attendance"), InBackup::Copied;
    /// Check-ins a kiosk recorded for a signup the server does not hold yet (festival mode:
    /// the signup's own journal is still on its way), by signup id; added to the signup
    /// when it arrives.
    PENDING_PRESENCE: JsonTable<&str, Vec<frivillig_common::domain::CheckIn>> =
        JsonTable::new("pending_presence"), InBackup::Copied;
    /// Nominations for the volunteer prize by id (see [`super::nominations`]).
    NOMINATIONS: JsonTable<&str, Nomination> = JsonTable::new("nominations"), InBackup::Copied;
}

/// A backup file's manifest (taken at, row counts, digest, keys). Only in backup files,
/// never in the server's database, so not in [`ALL_TABLES`].
pub const BACKUP_MANIFEST: TableDefinition<&str, &str> = TableDefinition::new("backup_manifest");

/// The schema's entry for the table called `name`.
pub fn table_named(name: &str) -> Option<&'static dyn AnyTable> {
    ALL_TABLES.iter().copied().find(|t| t.name() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_the_backup_order_is_the_historical_one() {
        let names: Vec<&str> = ALL_TABLES.iter().map(|t| t.name()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(
            sorted.len(),
            names.len(),
            "two tables share a name: {names:?}"
        );
        // Backups taken before the schema module hashed their tables in this order; a
        // backup must keep verifying after an upgrade.
        let copied: Vec<&str> = ALL_TABLES
            .iter()
            .filter(|t| t.in_backup() == InBackup::Copied)
            .map(|t| t.name())
            .collect();
        assert_eq!(
            copied[..13],
            [
                "devices",
                "journals",
                "journal_chunks",
                "signups",
                "signup_index",
                "meta",
                "samod_chunks",
                "enrol_codes",
                "accounts",
                "audit",
                "erased_signups",
                "retired_journals",
                "duplicates"
            ]
        );
    }
}
