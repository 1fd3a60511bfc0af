//! Appending a batch of decision events: everything that needs no lock is done first
//! (canonical JSON, state hashes), then one write transaction checks the system and the
//! ids, chains the entries to the log's head, stores them and moves the head. On SQLite
//! that transaction runs whole on the writer's thread; on PostgreSQL through the pool.

use std::collections::HashSet;

use aims_domain::ValidationErrors;
use aims_domain::decision::{AppendedBatch, DecisionEvent};
use aims_ledger::{Action, ChangeRef, Hash};
use chrono::{DateTime, Utc};
use sea_query::{ExprTrait, Query};
use uuid::Uuid;

use super::{IDS_PER_QUERY, canonical, check_system, col, log_name};
use crate::db::{DirectTx, NewDecisionRow, Tx, format_timestamp};
use crate::error::{Result, StoreError};
use crate::ledger::{self, Head};
use crate::schema::{ColType, Column};
use crate::{Actor, Store};

impl Store {
    /// Appends a batch of events to the system's decision log. Event ids already in the
    /// log are refused, naming each; nothing of a refused batch is stored.
    pub async fn append_decisions(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
        system_id: Uuid,
        events: &[DecisionEvent],
    ) -> Result<AppendedBatch> {
        if events.is_empty() {
            return Err(ValidationErrors::single("body", "holds no decision events").into());
        }
        let batch = Batch::prepare(actor, organisation_id, system_id, events, self.now())?;
        match self.pool.decision_writer() {
            Some(writer) => {
                writer
                    .get()?
                    .transact(move |tx| batch.append_direct(tx))
                    .await
            }
            None => {
                let mut tx = self.pool.write().await?;
                let appended = batch.append(&mut tx).await?;
                tx.commit().await?;
                Ok(appended)
            }
        }
    }
}

/// A batch ready to be written: each event's canonical state and its hash.
struct Batch {
    system_id: Uuid,
    organisation_id: Uuid,
    system: String,
    organisation: String,
    log: String,
    actor: String,
    /// The recording time, in the ledger's form and as stored.
    time: String,
    recorded_at: DateTime<Utc>,
    events: Vec<Prepared>,
}

struct Prepared {
    id: String,
    /// Assigned by the server, so it cannot be in the log already.
    id_assigned: bool,
    occurred_at: DateTime<Utc>,
    state: String,
    state_hash: Hash,
}

impl Batch {
    fn prepare(
        actor: &Actor,
        organisation_id: Uuid,
        system_id: Uuid,
        events: &[DecisionEvent],
        now: DateTime<Utc>,
    ) -> Result<Batch> {
        // Hashing is the CPU-heavy part; it needs no transaction. The state is stored in
        // its canonical form, so verification can hash the stored text as it is.
        let events = events
            .iter()
            .map(|event| {
                let (state, state_hash) = canonical(&event.state())?;
                Ok(Prepared {
                    id: event.id.clone(),
                    id_assigned: event.id_assigned,
                    occurred_at: event.time,
                    state,
                    state_hash,
                })
            })
            .collect::<Result<_>>()?;
        Ok(Batch {
            system_id,
            organisation_id,
            system: system_id.to_string(),
            organisation: organisation_id.to_string(),
            log: log_name(system_id),
            actor: actor.label.clone(),
            time: format_timestamp(now),
            recorded_at: now,
            events,
        })
    }

    /// The ids the caller gave, which the log may already hold.
    fn given_ids(&self) -> impl Iterator<Item = &str> {
        self.events
            .iter()
            .filter(|e| !e.id_assigned)
            .map(|e| e.id.as_str())
    }

    /// Refuses the batch when the log already holds any of its ids, naming each.
    fn refuse_known(&self, known: &HashSet<String>) -> Result<()> {
        if known.is_empty() {
            return Ok(());
        }
        let mut errors = ValidationErrors::new();
        for (index, event) in self.events.iter().enumerate() {
            if known.contains(&event.id) {
                errors.add(
                    format!("[{index}].id"),
                    format!(
                        "`{}` is already recorded for this system; send its ground truth with PATCH",
                        event.id
                    ),
                );
            }
        }
        Err(errors.into())
    }

    /// Chains an entry per event to `head`, moving it to the last, and returns the rows
    /// that store them.
    fn chain<'a>(&'a self, head: &mut Head) -> Result<Vec<NewDecisionRow<'a>>> {
        let mut rows = Vec::with_capacity(self.events.len());
        for event in &self.events {
            let tip = head
                .tip
                .next(&ChangeRef {
                    time: &self.time,
                    actor: &self.actor,
                    action: Action::Create,
                    entity_type: "decision",
                    entity_id: &event.id,
                    new_state_hash: Some(event.state_hash),
                    prev_state_hash: None,
                })
                .map_err(|e| {
                    StoreError::Corrupt(format!("decision log of {}: {e}", self.system))
                })?;
            head.advance_to(tip)?;
            rows.push(NewDecisionRow {
                system_id: &self.system,
                seq: head.stored_seq(&self.log)?,
                organisation_id: &self.organisation,
                action: Action::Create.as_str(),
                event_id: &event.id,
                occurred_at: event.occurred_at,
                recorded_at: self.recorded_at,
                actor: &self.actor,
                state: &event.state,
                new_state_hash: Some(event.state_hash),
                prev_state_hash: None,
                entry_hash: tip.entry_hash,
            });
        }
        Ok(rows)
    }

    fn appended(&self, first_seq: u64, head: &Head) -> AppendedBatch {
        AppendedBatch {
            accepted: self.events.len(),
            first_seq,
            last_seq: head.tip.seq,
            ids: self.events.iter().map(|e| e.id.clone()).collect(),
            tree_size: head.tip.seq,
            root_hash: head.tree.root().to_hex(),
        }
    }

    /// The batch's transaction through the pool.
    async fn append(&self, tx: &mut Tx) -> Result<AppendedBatch> {
        check_system(tx, self.organisation_id, self.system_id).await?;
        self.refuse_known(&self.known_ids(tx).await?)?;
        let mut head = ledger::read_head(tx, &self.log, true).await?;
        let first_seq = head.tip.seq + 1;
        tx.insert_decisions(&self.chain(&mut head)?).await?;
        ledger::write_head(tx, &self.log, &head).await?;
        Ok(self.appended(first_seq, &head))
    }

    /// The same transaction on SQLite's writer connection.
    fn append_direct(&self, tx: &DirectTx) -> Result<AppendedBatch> {
        if !tx.system_exists(&self.organisation, &self.system)? {
            return Err(StoreError::NotFound {
                kind: "AI system",
                id: self.system.clone(),
            });
        }
        self.refuse_known(&tx.known_event_ids(&self.system, self.given_ids())?)?;
        let mut head = tx.head(&self.log)?;
        let first_seq = head.tip.seq + 1;
        tx.insert_decisions(&self.chain(&mut head)?)?;
        tx.write_head(&self.log, &head)?;
        Ok(self.appended(first_seq, &head))
    }

    async fn known_ids(&self, tx: &mut Tx) -> Result<HashSet<String>> {
        const COLUMN: [Column; 1] = [Column {
            name: "event_id",
            ty: ColType::Text,
            nullable: false,
        }];
        let given: Vec<&str> = self.given_ids().collect();
        let mut known = HashSet::new();
        for chunk in given.chunks(IDS_PER_QUERY) {
            let mut stmt = Query::select();
            stmt.from("decisions")
                .column("event_id")
                .and_where(col("system_id").eq(self.system.as_str()))
                .and_where(col("event_id").is_in(chunk.iter().copied()));
            for row in tx.fetch(&stmt, &COLUMN).await? {
                if let Some(id) = row["event_id"].as_str() {
                    known.insert(id.to_owned());
                }
            }
        }
        Ok(known)
    }
}
