use crate::{DocumentActorId, DocumentId, UnixTimestamp, doc_search::DocSearchPhase};

#[derive(Debug, Clone)]
pub(crate) struct ActorInfo {
    pub(crate) actor_id: DocumentActorId,
    pub(crate) document_id: DocumentId,
    pub(crate) search_phase: DocSearchPhase,
    /// Frivillig patch: when a peer or the actor last did something with this document
    /// (`None` until the first unload sweep sees it), for unloading idle documents.
    pub(crate) last_active: Option<UnixTimestamp>,
    /// Frivillig patch: the actor was told to stop because it was idle.
    pub(crate) unloading: bool,
}

impl ActorInfo {
    pub fn new_with_id(actor_id: DocumentActorId, document_id: DocumentId) -> Self {
        Self {
            actor_id,
            document_id,
            search_phase: DocSearchPhase::Loading,
            last_active: None,
            unloading: false,
        }
    }
}
