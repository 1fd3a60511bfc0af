//! Organisations, users and their roles, sessions, API tokens and sign-in throttling.

use aims_domain::account::{ApiTokenInfo, Member, Organisation, Throttle};
use aims_domain::{Role, ValidationErrors};
use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Query};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::Store;
use crate::changes::{self, Action, Actor};
use crate::db::{Tx, format_timestamp};
use crate::error::{Result, StoreError, unique_violation};
use crate::rows::{self, decode, eq};
use crate::schema::{ColType, Column, table};

const ORG_COLUMNS: [Column; 3] = [
    Column {
        name: "id",
        ty: ColType::Text,
        nullable: false,
    },
    Column {
        name: "name",
        ty: ColType::Text,
        nullable: false,
    },
    Column {
        name: "created_at",
        ty: ColType::Timestamp,
        nullable: false,
    },
];

/// The columns of a [`Member`], joined from `users` and `memberships`.
const MEMBER_COLUMNS: [(&str, Column); 8] = [
    (
        "users",
        Column {
            name: "id",
            ty: ColType::Text,
            nullable: false,
        },
    ),
    (
        "users",
        Column {
            name: "username",
            ty: ColType::Text,
            nullable: false,
        },
    ),
    (
        "users",
        Column {
            name: "display_name",
            ty: ColType::Text,
            nullable: false,
        },
    ),
    (
        "users",
        Column {
            name: "email",
            ty: ColType::Text,
            nullable: false,
        },
    ),
    (
        "memberships",
        Column {
            name: "role",
            ty: ColType::Text,
            nullable: false,
        },
    ),
    (
        "memberships",
        Column {
            name: "active",
            ty: ColType::Bool,
            nullable: false,
        },
    ),
    (
        "memberships",
        Column {
            name: "created_at",
            ty: ColType::Timestamp,
            nullable: false,
        },
    ),
    (
        "memberships",
        Column {
            name: "updated_at",
            ty: ColType::Timestamp,
            nullable: false,
        },
    ),
];

const TOKEN_COLUMNS: [Column; 7] = [
    Column {
        name: "id",
        ty: ColType::Text,
        nullable: false,
    },
    Column {
        name: "name",
        ty: ColType::Text,
        nullable: false,
    },
    Column {
        name: "user_id",
        ty: ColType::Text,
        nullable: false,
    },
    Column {
        name: "created_at",
        ty: ColType::Timestamp,
        nullable: false,
    },
    Column {
        name: "expires_at",
        ty: ColType::Timestamp,
        nullable: false,
    },
    Column {
        name: "last_used_at",
        ty: ColType::Timestamp,
        nullable: true,
    },
    Column {
        name: "revoked_at",
        ty: ColType::Timestamp,
        nullable: true,
    },
];

/// What sign-in needs to know about a user name.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user_id: Uuid,
    pub username: String,
    pub password_hash: String,
}

/// A new user and the role given in the organisation that creates it.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub password_hash: String,
    pub role: Role,
}

/// Changes to a member; `None` leaves a value as it is.
#[derive(Debug, Clone, Default)]
pub struct MemberUpdate {
    pub role: Option<Role>,
    pub active: Option<bool>,
    pub display_name: Option<String>,
    pub email: Option<String>,
}

/// The signed-in user behind a session or token, in the organisation it acts for.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    pub user_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub organisation_id: Uuid,
    pub organisation_name: String,
    pub role: Role,
}

#[derive(Debug, Clone)]
pub struct SessionAuth {
    pub principal: Principal,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct TokenAuth {
    pub principal: Principal,
    pub token_id: Uuid,
    pub token_name: String,
    pub last_used_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub id_hash: String,
    pub user_id: Uuid,
    pub organisation_id: Uuid,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewToken {
    pub token_hash: String,
    pub name: String,
    pub user_id: Uuid,
    pub organisation_id: Uuid,
    pub expires_at: DateTime<Utc>,
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

impl Store {
    /// Whether the installation has no organisation yet (`aims init` has not run).
    pub async fn is_empty(&self) -> Result<bool> {
        let mut tx = self.pool.read().await?;
        let mut stmt = Query::select();
        stmt.from("organisations").expr(Expr::col("id").count());
        Ok(tx.fetch_i64(&stmt).await? == 0)
    }

    pub async fn create_organisation(&self, actor: &Actor, name: &str) -> Result<Organisation> {
        let mut errors = ValidationErrors::new();
        aims_domain::validation::check_text(&mut errors, "name", name, true, 200);
        errors.into_result()?;
        let org = Organisation {
            id: Uuid::new_v4(),
            name: name.trim().to_owned(),
            created_at: self.now(),
        };
        let mut tx = self.pool.write().await?;
        let row = object(
            json!({"id": org.id, "name": org.name, "created_at": format_timestamp(org.created_at)}),
        );
        rows::insert(&mut tx, table("organisations").expect("described"), &row).await?;
        changes::record(
            &mut tx,
            org.created_at,
            Some(org.id),
            actor,
            Action::Create,
            "organisation",
            &org.id.to_string(),
            &Value::Object(row),
        )
        .await?;
        tx.commit().await?;
        Ok(org)
    }

    /// Every organisation of the installation, by name.
    pub async fn organisations(&self) -> Result<Vec<Organisation>> {
        let mut tx = self.pool.read().await?;
        let mut stmt = rows::select("organisations", &ORG_COLUMNS);
        stmt.order_by(("organisations", "name"), sea_query::Order::Asc);
        tx.fetch(&stmt, &ORG_COLUMNS)
            .await?
            .into_iter()
            .map(|row| decode(row, "organisation"))
            .collect()
    }

    pub async fn organisation(&self, id: Uuid) -> Result<Organisation> {
        let mut tx = self.pool.read().await?;
        let mut stmt = rows::select("organisations", &ORG_COLUMNS);
        stmt.and_where(eq("organisations", "id", id.to_string()));
        let row = tx
            .fetch_optional(&stmt, &ORG_COLUMNS)
            .await?
            .ok_or(StoreError::NotFound {
                kind: "organisation",
                id: id.to_string(),
            })?;
        decode(row, "organisation")
    }

    /// The organisations a user is an active member of, with the role held in each.
    pub async fn organisations_of(&self, user_id: Uuid) -> Result<Vec<(Organisation, Role)>> {
        let mut tx = self.pool.read().await?;
        let mut stmt = rows::select("organisations", &ORG_COLUMNS);
        stmt.column(("memberships", "role"))
            .inner_join(
                "memberships",
                Expr::col(("memberships", "organisation_id")).equals(("organisations", "id")),
            )
            .and_where(eq("memberships", "user_id", user_id.to_string()))
            .and_where(Expr::col(("memberships", "active")).eq(true))
            .order_by(("organisations", "name"), sea_query::Order::Asc);
        let mut columns = ORG_COLUMNS.to_vec();
        columns.push(Column {
            name: "role",
            ty: ColType::Text,
            nullable: false,
        });
        let mut out = Vec::new();
        for mut row in tx.fetch(&stmt, &columns).await? {
            let role: Role = decode_role(row.remove("role"))?;
            out.push((decode(row, "organisation")?, role));
        }
        Ok(out)
    }

    /// Creates a user with a role in `organisation_id`.
    pub async fn create_user(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
        new: NewUser,
    ) -> Result<Member> {
        let now = self.now();
        let user_id = Uuid::new_v4();
        let mut tx = self.pool.write().await?;
        let user = object(json!({
            "id": user_id, "username": new.username, "display_name": new.display_name, "email": new.email,
            "password_hash": new.password_hash, "password_changed_at": format_timestamp(now),
            "created_at": format_timestamp(now), "updated_at": format_timestamp(now),
        }));
        rows::insert(&mut tx, table("users").expect("described"), &user)
            .await
            .map_err(|e| match e {
                StoreError::Database(db) => unique_violation(db, "username", &new.username),
                other => other,
            })?;
        changes::record(
            &mut tx,
            now,
            Some(organisation_id),
            actor,
            Action::Create,
            "user",
            &user_id.to_string(),
            &changes::without_secrets(user),
        )
        .await?;
        insert_membership(&mut tx, now, actor, organisation_id, user_id, new.role).await?;
        let member = member_in(&mut tx, organisation_id, user_id).await?;
        tx.commit().await?;
        Ok(member)
    }

    /// Gives an existing user a role in another organisation.
    pub async fn add_member(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
        user_id: Uuid,
        role: Role,
    ) -> Result<Member> {
        let mut tx = self.pool.write().await?;
        insert_membership(&mut tx, self.now(), actor, organisation_id, user_id, role).await?;
        let member = member_in(&mut tx, organisation_id, user_id).await?;
        tx.commit().await?;
        Ok(member)
    }

    pub async fn credentials(&self, username: &str) -> Result<Option<Credentials>> {
        let columns = [
            Column {
                name: "id",
                ty: ColType::Text,
                nullable: false,
            },
            Column {
                name: "username",
                ty: ColType::Text,
                nullable: false,
            },
            Column {
                name: "password_hash",
                ty: ColType::Text,
                nullable: false,
            },
        ];
        let mut tx = self.pool.read().await?;
        let mut stmt = rows::select("users", &columns);
        stmt.and_where(eq("users", "username", username));
        let Some(mut row) = tx.fetch_optional(&stmt, &columns).await? else {
            return Ok(None);
        };
        Ok(Some(Credentials {
            user_id: parse_uuid(&rows::take_string(&mut row, "id")?)?,
            username: rows::take_string(&mut row, "username")?,
            password_hash: rows::take_string(&mut row, "password_hash")?,
        }))
    }

    pub async fn credentials_by_id(&self, user_id: Uuid) -> Result<Credentials> {
        let mut tx = self.pool.read().await?;
        let columns = [Column {
            name: "username",
            ty: ColType::Text,
            nullable: false,
        }];
        let mut stmt = rows::select("users", &columns);
        stmt.and_where(eq("users", "id", user_id.to_string()));
        let mut row = tx
            .fetch_optional(&stmt, &columns)
            .await?
            .ok_or(StoreError::NotFound {
                kind: "user",
                id: user_id.to_string(),
            })?;
        let username = rows::take_string(&mut row, "username")?;
        drop(tx);
        self.credentials(&username)
            .await?
            .ok_or(StoreError::NotFound {
                kind: "user",
                id: user_id.to_string(),
            })
    }

    /// Sets a new password hash and ends every session of the user except `keep_session`.
    pub async fn set_password(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
        user_id: Uuid,
        password_hash: &str,
        keep_session: Option<&str>,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.pool.write().await?;
        let mut stmt = Query::update();
        stmt.table("users")
            .values([
                ("password_hash", password_hash.into()),
                ("password_changed_at", now.into()),
                ("updated_at", now.into()),
            ])
            .and_where(eq("users", "id", user_id.to_string()));
        if tx.execute(&stmt).await? == 0 {
            return Err(StoreError::NotFound {
                kind: "user",
                id: user_id.to_string(),
            });
        }
        let state = json!({"id": user_id, "password_changed_at": format_timestamp(now), "password_hash": "(redacted)"});
        changes::record(
            &mut tx,
            now,
            Some(organisation_id),
            actor,
            Action::Update,
            "user",
            &user_id.to_string(),
            &state,
        )
        .await?;
        let mut delete = Query::delete();
        delete
            .from_table("sessions")
            .and_where(eq("sessions", "user_id", user_id.to_string()));
        if let Some(keep) = keep_session {
            delete.and_where(Expr::col("id_hash").ne(keep));
        }
        tx.execute(&delete).await?;
        tx.commit().await
    }

    pub async fn members(&self, organisation_id: Uuid) -> Result<Vec<Member>> {
        let mut tx = self.pool.read().await?;
        let stmt = member_select(organisation_id);
        let columns: Vec<Column> = MEMBER_COLUMNS.iter().map(|(_, c)| c.clone()).collect();
        tx.fetch(&stmt, &columns)
            .await?
            .into_iter()
            .map(member_from_row)
            .collect()
    }

    pub async fn member(&self, organisation_id: Uuid, user_id: Uuid) -> Result<Member> {
        let mut tx = self.pool.read().await?;
        member_in(&mut tx, organisation_id, user_id).await
    }

    /// Changes a member's role, activity or contact details. An organisation always keeps
    /// at least one active admin, so nobody can lock everyone out.
    pub async fn update_member(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
        user_id: Uuid,
        update: MemberUpdate,
    ) -> Result<Member> {
        let now = self.now();
        let mut tx = self.pool.write().await?;
        let before = member_in(&mut tx, organisation_id, user_id).await?;
        let role = update.role.unwrap_or(before.role);
        let active = update.active.unwrap_or(before.active);
        if before.role == Role::Admin && before.active && (role != Role::Admin || !active) {
            let mut count = Query::select();
            count
                .from("memberships")
                .expr(Expr::col("user_id").count())
                .and_where(eq(
                    "memberships",
                    "organisation_id",
                    organisation_id.to_string(),
                ))
                .and_where(eq("memberships", "role", Role::Admin.as_str()))
                .and_where(Expr::col("active").eq(true));
            if tx.fetch_i64(&count).await? <= 1 {
                return Err(ValidationErrors::single(
                    "role",
                    "the organisation must keep at least one active admin",
                )
                .into());
            }
        }
        let mut stmt = Query::update();
        stmt.table("memberships")
            .values([
                ("role", role.as_str().into()),
                ("active", active.into()),
                ("updated_at", now.into()),
            ])
            .and_where(eq(
                "memberships",
                "organisation_id",
                organisation_id.to_string(),
            ))
            .and_where(eq("memberships", "user_id", user_id.to_string()));
        tx.execute(&stmt).await?;
        if update.display_name.is_some() || update.email.is_some() {
            let mut stmt = Query::update();
            stmt.table("users")
                .values([
                    (
                        "display_name",
                        update
                            .display_name
                            .clone()
                            .unwrap_or(before.display_name.clone())
                            .into(),
                    ),
                    (
                        "email",
                        update.email.clone().unwrap_or(before.email.clone()).into(),
                    ),
                    ("updated_at", now.into()),
                ])
                .and_where(eq("users", "id", user_id.to_string()));
            tx.execute(&stmt).await?;
        }
        let after = member_in(&mut tx, organisation_id, user_id).await?;
        let state = serde_json::to_value(&after).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        changes::record(
            &mut tx,
            now,
            Some(organisation_id),
            actor,
            Action::Update,
            "member",
            &format!("{organisation_id}/{user_id}"),
            &state,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    // --- sessions -------------------------------------------------------------------

    pub async fn create_session(&self, new: &NewSession) -> Result<()> {
        let now = self.now();
        let row = object(json!({
            "id_hash": new.id_hash, "user_id": new.user_id, "organisation_id": new.organisation_id,
            "csrf_token": new.csrf_token, "created_at": format_timestamp(now),
            "expires_at": format_timestamp(new.expires_at), "last_seen_at": format_timestamp(now),
        }));
        let mut tx = self.pool.write().await?;
        rows::insert(&mut tx, table("sessions").expect("described"), &row).await?;
        tx.commit().await
    }

    /// The live session with this id hash, when its user is still an active member.
    pub async fn session(&self, id_hash: &str) -> Result<Option<SessionAuth>> {
        let now = self.now();
        let mut tx = self.pool.read().await?;
        let extra = [
            (
                "sessions",
                Column {
                    name: "csrf_token",
                    ty: ColType::Text,
                    nullable: false,
                },
            ),
            (
                "sessions",
                Column {
                    name: "expires_at",
                    ty: ColType::Timestamp,
                    nullable: false,
                },
            ),
            (
                "sessions",
                Column {
                    name: "last_seen_at",
                    ty: ColType::Timestamp,
                    nullable: false,
                },
            ),
        ];
        let mut stmt = principal_select("sessions", &extra);
        stmt.and_where(eq("sessions", "id_hash", id_hash))
            .and_where(Expr::col(("sessions", "expires_at")).gt(now));
        let Some(mut row) = fetch_principal_row(&mut tx, &stmt, &extra).await? else {
            return Ok(None);
        };
        Ok(Some(SessionAuth {
            csrf_token: rows::take_string(&mut row, "csrf_token")?,
            expires_at: take_time(&mut row, "expires_at")?,
            last_seen_at: take_time(&mut row, "last_seen_at")?,
            principal: principal_from_row(row)?,
        }))
    }

    /// Extends a session that is in use.
    pub async fn touch_session(&self, id_hash: &str, expires_at: DateTime<Utc>) -> Result<()> {
        let mut tx = self.pool.write().await?;
        let mut stmt = Query::update();
        stmt.table("sessions")
            .values([
                ("expires_at", expires_at.into()),
                ("last_seen_at", self.now().into()),
            ])
            .and_where(eq("sessions", "id_hash", id_hash));
        tx.execute(&stmt).await?;
        tx.commit().await
    }

    /// Moves a session to another organisation the user is an active member of.
    pub async fn switch_session_organisation(
        &self,
        id_hash: &str,
        user_id: Uuid,
        organisation_id: Uuid,
    ) -> Result<()> {
        let mut tx = self.pool.write().await?;
        let member = member_in(&mut tx, organisation_id, user_id).await?;
        if !member.active {
            return Err(StoreError::NotFound {
                kind: "organisation",
                id: organisation_id.to_string(),
            });
        }
        let mut stmt = Query::update();
        stmt.table("sessions")
            .values([("organisation_id", organisation_id.to_string().into())])
            .and_where(eq("sessions", "id_hash", id_hash));
        tx.execute(&stmt).await?;
        tx.commit().await
    }

    pub async fn delete_session(&self, id_hash: &str) -> Result<()> {
        let mut tx = self.pool.write().await?;
        let mut stmt = Query::delete();
        stmt.from_table("sessions")
            .and_where(eq("sessions", "id_hash", id_hash));
        tx.execute(&stmt).await?;
        tx.commit().await
    }

    /// Deletes expired sessions; returns how many.
    pub async fn purge_expired_sessions(&self) -> Result<u64> {
        let mut tx = self.pool.write().await?;
        let mut stmt = Query::delete();
        stmt.from_table("sessions")
            .and_where(Expr::col("expires_at").lte(self.now()));
        let n = tx.execute(&stmt).await?;
        tx.commit().await?;
        Ok(n)
    }

    // --- API tokens -----------------------------------------------------------------

    pub async fn create_token(&self, actor: &Actor, new: &NewToken) -> Result<ApiTokenInfo> {
        let now = self.now();
        let id = Uuid::new_v4();
        let row = object(json!({
            "id": id, "token_hash": new.token_hash, "name": new.name, "user_id": new.user_id,
            "organisation_id": new.organisation_id, "created_at": format_timestamp(now),
            "expires_at": format_timestamp(new.expires_at),
        }));
        let mut tx = self.pool.write().await?;
        rows::insert(&mut tx, table("api_tokens").expect("described"), &row).await?;
        changes::record(
            &mut tx,
            now,
            Some(new.organisation_id),
            actor,
            Action::Create,
            "api_token",
            &id.to_string(),
            &changes::without_secrets(row),
        )
        .await?;
        tx.commit().await?;
        Ok(ApiTokenInfo {
            id,
            name: new.name.clone(),
            user_id: new.user_id,
            created_at: now,
            expires_at: new.expires_at,
            last_used_at: None,
            revoked_at: None,
        })
    }

    /// The live token with this hash: not revoked, not expired, its user an active member.
    pub async fn token(&self, token_hash: &str) -> Result<Option<TokenAuth>> {
        let now = self.now();
        let mut tx = self.pool.read().await?;
        let extra = [
            (
                "api_tokens",
                Column {
                    name: "id",
                    ty: ColType::Text,
                    nullable: false,
                },
            ),
            (
                "api_tokens",
                Column {
                    name: "name",
                    ty: ColType::Text,
                    nullable: false,
                },
            ),
            (
                "api_tokens",
                Column {
                    name: "last_used_at",
                    ty: ColType::Timestamp,
                    nullable: true,
                },
            ),
        ];
        let mut stmt = principal_select("api_tokens", &extra);
        stmt.and_where(eq("api_tokens", "token_hash", token_hash))
            .and_where(Expr::col(("api_tokens", "expires_at")).gt(now))
            .and_where(Expr::col(("api_tokens", "revoked_at")).is_null());
        let Some(mut row) = fetch_principal_row(&mut tx, &stmt, &extra).await? else {
            return Ok(None);
        };
        let last_used_at = match row.remove("last_used_at") {
            Some(Value::String(s)) => Some(parse_time(&s)?),
            _ => None,
        };
        Ok(Some(TokenAuth {
            token_id: parse_uuid(&rows::take_string(&mut row, "id")?)?,
            token_name: rows::take_string(&mut row, "name")?,
            last_used_at,
            principal: principal_from_row(row)?,
        }))
    }

    pub async fn touch_token(&self, token_id: Uuid) -> Result<()> {
        let mut tx = self.pool.write().await?;
        let mut stmt = Query::update();
        stmt.table("api_tokens")
            .values([("last_used_at", self.now().into())])
            .and_where(eq("api_tokens", "id", token_id.to_string()));
        tx.execute(&stmt).await?;
        tx.commit().await
    }

    /// Tokens of an organisation, of one user when `user_id` is given; newest first.
    pub async fn tokens(
        &self,
        organisation_id: Uuid,
        user_id: Option<Uuid>,
    ) -> Result<Vec<ApiTokenInfo>> {
        let mut tx = self.pool.read().await?;
        let mut stmt = rows::select("api_tokens", &TOKEN_COLUMNS);
        stmt.and_where(eq(
            "api_tokens",
            "organisation_id",
            organisation_id.to_string(),
        ))
        .order_by(("api_tokens", "created_at"), sea_query::Order::Desc);
        if let Some(user_id) = user_id {
            stmt.and_where(eq("api_tokens", "user_id", user_id.to_string()));
        }
        tx.fetch(&stmt, &TOKEN_COLUMNS)
            .await?
            .into_iter()
            .map(|row| decode(row, "api token"))
            .collect()
    }

    /// Revokes a token of the organisation (of one user when `user_id` is given).
    pub async fn revoke_token(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
        token_id: Uuid,
        user_id: Option<Uuid>,
    ) -> Result<ApiTokenInfo> {
        let now = self.now();
        let mut tx = self.pool.write().await?;
        let mut stmt = Query::update();
        stmt.table("api_tokens")
            .values([("revoked_at", now.into())])
            .and_where(eq("api_tokens", "id", token_id.to_string()))
            .and_where(eq(
                "api_tokens",
                "organisation_id",
                organisation_id.to_string(),
            ))
            .and_where(Expr::col("revoked_at").is_null());
        if let Some(user_id) = user_id {
            stmt.and_where(eq("api_tokens", "user_id", user_id.to_string()));
        }
        if tx.execute(&stmt).await? == 0 {
            return Err(StoreError::NotFound {
                kind: "api token",
                id: token_id.to_string(),
            });
        }
        let mut select = rows::select("api_tokens", &TOKEN_COLUMNS);
        select.and_where(eq("api_tokens", "id", token_id.to_string()));
        let row =
            tx.fetch_optional(&select, &TOKEN_COLUMNS)
                .await?
                .ok_or(StoreError::NotFound {
                    kind: "api token",
                    id: token_id.to_string(),
                })?;
        changes::record(
            &mut tx,
            now,
            Some(organisation_id),
            actor,
            Action::Update,
            "api_token",
            &token_id.to_string(),
            &Value::Object(row.clone()),
        )
        .await?;
        tx.commit().await?;
        decode(row, "api token")
    }

    // --- sign-in throttling ---------------------------------------------------------

    pub async fn throttle(&self, key: &str) -> Result<Option<Throttle>> {
        let mut tx = self.pool.read().await?;
        let columns = &table("login_throttle").expect("described").columns[1..];
        let mut stmt = rows::select("login_throttle", columns);
        stmt.and_where(eq("login_throttle", "key", key));
        tx.fetch_optional(&stmt, columns)
            .await?
            .map(|row| decode(row, "login throttle"))
            .transpose()
    }

    pub async fn set_throttle(&self, key: &str, state: Option<Throttle>) -> Result<()> {
        let mut tx = self.pool.write().await?;
        let mut delete = Query::delete();
        delete
            .from_table("login_throttle")
            .and_where(eq("login_throttle", "key", key));
        tx.execute(&delete).await?;
        if let Some(state) = state {
            let mut row = object(
                serde_json::to_value(state).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            );
            row.insert("key".into(), Value::String(key.to_owned()));
            for time in ["window_start", "locked_until"] {
                if let Some(Value::String(t)) = row.get(time) {
                    let t = parse_time(t)?;
                    row.insert(time.into(), Value::String(format_timestamp(t)));
                }
            }
            rows::insert(&mut tx, table("login_throttle").expect("described"), &row).await?;
        }
        tx.commit().await
    }
}

async fn insert_membership(
    tx: &mut Tx,
    now: DateTime<Utc>,
    actor: &Actor,
    organisation_id: Uuid,
    user_id: Uuid,
    role: Role,
) -> Result<()> {
    let row = object(json!({
        "organisation_id": organisation_id, "user_id": user_id, "role": role.as_str(), "active": true,
        "created_at": format_timestamp(now), "updated_at": format_timestamp(now),
    }));
    rows::insert(tx, table("memberships").expect("described"), &row)
        .await
        .map_err(|e| match e {
            StoreError::Database(db) => unique_violation(db, "membership", &user_id.to_string()),
            other => other,
        })?;
    changes::record(
        tx,
        now,
        Some(organisation_id),
        actor,
        Action::Create,
        "member",
        &format!("{organisation_id}/{user_id}"),
        &Value::Object(row),
    )
    .await
}

fn member_select(organisation_id: Uuid) -> sea_query::SelectStatement {
    let mut stmt = Query::select();
    stmt.from("users")
        .columns(MEMBER_COLUMNS.iter().map(|(t, c)| (*t, c.name)))
        .inner_join(
            "memberships",
            Expr::col(("memberships", "user_id")).equals(("users", "id")),
        )
        .and_where(eq(
            "memberships",
            "organisation_id",
            organisation_id.to_string(),
        ))
        .order_by(("users", "username"), sea_query::Order::Asc);
    stmt
}

async fn member_in(tx: &mut Tx, organisation_id: Uuid, user_id: Uuid) -> Result<Member> {
    let mut stmt = member_select(organisation_id);
    stmt.and_where(eq("users", "id", user_id.to_string()));
    let columns: Vec<Column> = MEMBER_COLUMNS.iter().map(|(_, c)| c.clone()).collect();
    let row = tx
        .fetch_optional(&stmt, &columns)
        .await?
        .ok_or(StoreError::NotFound {
            kind: "user",
            id: user_id.to_string(),
        })?;
    member_from_row(row)
}

fn member_from_row(mut row: Map<String, Value>) -> Result<Member> {
    if let Some(id) = row.remove("id") {
        row.insert("user_id".into(), id);
    }
    decode(row, "member")
}

/// Selects the principal (user, organisation, role) joined to a session or token table,
/// requiring an active membership, plus `extra` columns of that table.
fn principal_select(
    from: &'static str,
    extra: &[(&'static str, Column)],
) -> sea_query::SelectStatement {
    let mut stmt = Query::select();
    stmt.from(from)
        .columns([
            ("users", "id"),
            ("users", "username"),
            ("users", "display_name"),
            ("organisations", "id"),
            ("organisations", "name"),
            ("memberships", "role"),
        ])
        .columns(extra.iter().map(|(t, c)| (*t, c.name)))
        .inner_join(
            "users",
            Expr::col(("users", "id")).equals((from, "user_id")),
        )
        .inner_join(
            "organisations",
            Expr::col(("organisations", "id")).equals((from, "organisation_id")),
        )
        .inner_join(
            "memberships",
            Expr::col(("memberships", "user_id"))
                .equals((from, "user_id"))
                .and(
                    Expr::col(("memberships", "organisation_id")).equals((from, "organisation_id")),
                ),
        )
        .and_where(Expr::col(("memberships", "active")).eq(true));
    stmt
}

async fn fetch_principal_row(
    tx: &mut Tx,
    stmt: &sea_query::SelectStatement,
    extra: &[(&str, Column)],
) -> Result<Option<Map<String, Value>>> {
    let text = |name| Column {
        name,
        ty: ColType::Text,
        nullable: false,
    };
    let mut columns = vec![
        text("user_id"),
        text("username"),
        text("display_name"),
        text("organisation_id"),
        text("organisation_name"),
        text("role"),
    ];
    columns.extend(extra.iter().map(|(_, c)| c.clone()));
    tx.fetch_optional(stmt, &columns).await
}

fn principal_from_row(mut row: Map<String, Value>) -> Result<Principal> {
    Ok(Principal {
        user_id: parse_uuid(&rows::take_string(&mut row, "user_id")?)?,
        username: rows::take_string(&mut row, "username")?,
        display_name: rows::take_string(&mut row, "display_name")?,
        organisation_id: parse_uuid(&rows::take_string(&mut row, "organisation_id")?)?,
        organisation_name: rows::take_string(&mut row, "organisation_name")?,
        role: decode_role(row.remove("role"))?,
    })
}

fn decode_role(value: Option<Value>) -> Result<Role> {
    match value {
        Some(Value::String(s)) => s.parse().map_err(StoreError::Corrupt),
        other => Err(StoreError::Corrupt(format!(
            "role: expected text, got {other:?}"
        ))),
    }
}

pub(crate) fn parse_uuid(s: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|e| StoreError::Corrupt(format!("id `{s}`: {e}")))
}

fn parse_time(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("timestamp `{s}`: {e}")))
}

fn take_time(row: &mut Map<String, Value>, key: &str) -> Result<DateTime<Utc>> {
    parse_time(&rows::take_string(row, key)?)
}
