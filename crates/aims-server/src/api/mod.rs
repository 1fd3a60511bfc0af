//! The REST API under `/api/v1`.
//!
//! Every route is declared once in [`routes`], with its permission and its documentation.
//! The router, the per-route permission check, the OpenAPI document and the role × route
//! test are all built from that list, so a route cannot exist undocumented or unguarded.

pub(crate) mod assessments;
pub(crate) mod classification;
pub(crate) mod decisions;
pub(crate) mod evaluations;
pub(crate) mod inventory;
pub(crate) mod ledger;
pub(crate) mod library;
pub mod openapi;
pub(crate) mod organisations;
pub(crate) mod risks;
pub(crate) mod session;
pub(crate) mod soa;
pub(crate) mod tokens;
pub(crate) mod users;

use aims_domain::Permission;
use aims_domain::inventory::{
    DatasetFields, ModelFields, RecordKind, SupplierFields, SystemFields,
};
use axum::Router;
use axum::http::Method;
use axum::routing::{MethodRouter, delete, get, patch, post, put};
use serde_json::Value;

use crate::state::AppState;

/// What the OpenAPI document says about a route.
#[derive(Clone)]
pub struct Doc {
    pub operation_id: String,
    pub summary: String,
    pub tag: &'static str,
    /// JSON schema of the request body, if the route takes one.
    pub request: Option<Value>,
    /// Success status and the JSON schema of its body (`None`: no body).
    pub success: (u16, Option<Value>),
    /// The route lists records of this kind and takes list parameters.
    pub list_of: Option<RecordKind>,
    /// Names of path parameters (UUIDs, except `ref`: a framework's identifier).
    pub path_params: &'static [&'static str],
    /// Extra query parameters: (name, description).
    pub query_params: &'static [(&'static str, &'static str)],
    /// Media types of a file the route answers with instead of JSON.
    pub download: &'static [&'static str],
    /// Error statuses the route answers besides those its method, parameters and body
    /// imply (such as 404 on a route without path parameters).
    pub errors: &'static [u16],
}

/// One route of the API.
pub struct ApiRoute {
    pub method: Method,
    /// Path under `/api/v1`, with `{param}` segments.
    pub path: &'static str,
    /// `None`: answers without sign-in.
    pub permission: Option<Permission>,
    pub doc: Doc,
    handler: MethodRouter<AppState>,
}

pub(crate) fn schema_ref(name: &str) -> Value {
    serde_json::json!({"$ref": format!("#/components/schemas/{name}")})
}

fn doc(operation_id: &str, tag: &'static str, summary: &str) -> Doc {
    Doc {
        operation_id: operation_id.to_owned(),
        summary: summary.to_owned(),
        tag,
        request: None,
        success: (200, None),
        list_of: None,
        path_params: &[],
        query_params: &[],
        download: &[],
        errors: &[],
    }
}

impl Doc {
    fn request(mut self, schema: &str) -> Self {
        self.request = Some(schema_ref(schema));
        self
    }

    fn ok(mut self, status: u16, schema: &str) -> Self {
        self.success = (status, Some(schema_ref(schema)));
        self
    }

    fn no_content(mut self) -> Self {
        self.success = (204, None);
        self
    }

    fn ids(mut self, names: &'static [&'static str]) -> Self {
        self.path_params = names;
        self
    }

    fn download(mut self, media_types: &'static [&'static str]) -> Self {
        self.download = media_types;
        self
    }

    fn query(mut self, params: &'static [(&'static str, &'static str)]) -> Self {
        self.query_params = params;
        self
    }

    fn errors(mut self, statuses: &'static [u16]) -> Self {
        self.errors = statuses;
        self
    }
}

fn route(
    method: Method,
    path: &'static str,
    permission: Option<Permission>,
    doc: Doc,
    handler: MethodRouter<AppState>,
) -> ApiRoute {
    ApiRoute {
        method,
        path,
        permission,
        doc,
        handler,
    }
}

/// Every route of the API.
pub fn routes() -> Vec<ApiRoute> {
    use Permission::*;
    let mut routes = vec![
        route(Method::GET, "/openapi.json", None, doc("getOpenApi", "meta", "This OpenAPI document").ok(200, "OpenApiDocument"), get(openapi::serve)),
        route(
            Method::POST,
            "/session",
            None,
            doc("signIn", "session", "Sign in with user name and password; sets the session cookie and returns the CSRF token").request("SignInRequest").ok(200, "SessionInfo"),
            post(session::sign_in),
        ),
        route(Method::GET, "/session", Some(Read), doc("getSession", "session", "Who is signed in, in which organisation, with which role").ok(200, "SessionInfo"), get(session::current)),
        route(Method::DELETE, "/session", Some(Read), doc("signOut", "session", "Sign out: ends this session").no_content(), delete(session::sign_out)),
        route(
            Method::PUT,
            "/session/organisation",
            Some(Read),
            doc("switchOrganisation", "session", "Act for another organisation the user belongs to (session only)").request("SwitchOrganisation").ok(200, "SessionInfo"),
            put(session::switch_organisation),
        ),
        route(
            Method::PUT,
            "/session/password",
            Some(Read),
            doc("changePassword", "session", "Change one's own password; ends one's other sessions").request("ChangePassword").no_content(),
            put(session::change_password),
        ),
        route(Method::GET, "/tokens", Some(Read), doc("listTokens", "tokens", "API tokens of the signed-in user (admins: `all=true` for everyone's)").ok(200, "TokenList").query(&[("all", "`true`: every token of the organisation (admins only)")]), get(tokens::list)),
        route(
            Method::POST,
            "/tokens",
            Some(Read),
            doc("createToken", "tokens", "Create an API token; the token is in this answer only").request("CreateToken").ok(201, "CreatedToken"),
            post(tokens::create),
        ),
        route(Method::DELETE, "/tokens/{id}", Some(Read), doc("revokeToken", "tokens", "Revoke an API token (one's own; admins: any)").ids(&["id"]).ok(200, "ApiTokenInfo"), delete(tokens::revoke)),
        route(Method::GET, "/users", Some(Read), doc("listUsers", "users", "Members of the organisation with their roles").ok(200, "MemberList"), get(users::list)),
        route(Method::POST, "/users", Some(ManageUsers), doc("createUser", "users", "Create a user with a role in this organisation").request("CreateUser").ok(201, "Member"), post(users::create)),
        route(Method::GET, "/users/{id}", Some(Read), doc("getUser", "users", "One member").ids(&["id"]).ok(200, "Member"), get(users::get_one)),
        route(
            Method::PATCH,
            "/users/{id}",
            Some(ManageUsers),
            doc("updateUser", "users", "Change a member's role, activity, name or e-mail").ids(&["id"]).request("UpdateUser").ok(200, "Member"),
            patch(users::update),
        ),
        route(Method::GET, "/organisations", Some(Read), doc("listOrganisations", "organisations", "Organisations the user belongs to").ok(200, "OrganisationList"), get(organisations::list)),
        route(
            Method::POST,
            "/organisations",
            Some(ManageUsers),
            doc("createOrganisation", "organisations", "Create an organisation; its creator becomes its admin").request("CreateOrganisation").ok(201, "Organisation"),
            post(organisations::create),
        ),
        route(
            Method::GET,
            "/ledger/entries",
            Some(Read),
            doc("listLedgerEntries", "ledger", "Entries of the tamper-evident change ledger for this organisation, newest first, with their hashes").ok(200, "LedgerEntryList").query(&[
                ("record_kind", "Only entries of this kind of record (`systems`, `models`, `datasets`, `suppliers`, `soa`, `soa_control`, `soa_requirement`, `soa_version`, `risk`, `risk_criteria`, `impact_assessment`, `eu_ai_act_classification`, `organisation`, `user`, `member`, `api_token`)"),
                ("record_id", "Only entries of this record"),
                ("actor", "Only entries made by this actor, as the ledger names it"),
                ("from", "Only entries at or after this RFC 3339 time"),
                ("to", "Only entries before this RFC 3339 time"),
                ("limit", "Page size, 1 to 500 (default 50)"),
                ("offset", "Entries to skip"),
            ]),
            get(ledger::entries),
        ),
        route(
            Method::GET,
            "/ledger/tree-head",
            Some(Read),
            doc("getLedgerTreeHead", "ledger", "The ledger's current size and Merkle root, signed with the installation's key: a checkpoint an auditor can keep").ok(200, "TreeHeadInfo"),
            get(ledger::tree_head),
        ),
        route(
            Method::POST,
            "/systems/{id}/decisions",
            Some(Edit),
            doc("appendDecisions", "decisions", "Append a batch of decision events (JSON array, or NDJSON with Content-Type application/x-ndjson) to the system's tamper-evident decision log; all or nothing, at most 10,000 events").ids(&["id"]).request("DecisionBatch").ok(201, "AppendedBatch"),
            post(decisions::append).layer(axum::extract::DefaultBodyLimit::max(decisions::BODY_LIMIT)),
        ),
        route(
            Method::GET,
            "/systems/{id}/decisions",
            Some(Read),
            doc("listDecisions", "decisions", "The system's decision events in a time window, oldest first, with ground truth given later").ids(&["id"]).ok(200, "DecisionList").query(&[
                ("from", "Only events at or after this RFC 3339 time"),
                ("to", "Only events before this RFC 3339 time"),
                ("limit", "Page size, 1 to 1000 (default 100)"),
                ("cursor", "`next_cursor` of the previous page"),
            ]),
            get(decisions::list),
        ),
        route(
            Method::GET,
            "/systems/{id}/decisions/export",
            Some(Read),
            doc("exportDecisions", "decisions", "The system's decision events in a time window as CSV or Parquet, one column per group attribute, ready for `aims eval fairness`; Parquet has the same columns typed (a UTC timestamp in microseconds, doubles, booleans, nullable text)").ids(&["id"]).download(&["text/csv", decisions::PARQUET]).query(&[
                ("from", "Only events at or after this RFC 3339 time"),
                ("to", "Only events before this RFC 3339 time"),
                ("format", "`csv` (default) or `parquet`"),
            ]),
            get(decisions::export),
        ),
        route(
            Method::PATCH,
            "/systems/{id}/decisions/{event_id}",
            Some(Edit),
            doc("setDecisionGroundTruth", "decisions", "Record the ground truth of a decision event, as a new entry of the decision log").ids(&["id", "event_id"]).request("GroundTruth").ok(200, "DecisionEvent"),
            patch(decisions::set_ground_truth),
        ),
    ];
    routes.extend(inventory::routes::<SystemFields>());
    routes.extend(inventory::routes::<ModelFields>());
    routes.extend(inventory::routes::<DatasetFields>());
    routes.extend(inventory::routes::<SupplierFields>());
    routes.extend(library::routes());
    routes.extend(soa::routes());
    routes.extend(risks::routes());
    routes.extend(classification::routes());
    routes.extend(assessments::routes());
    routes.extend(evaluations::routes());
    routes
}

/// The `/api/v1` router: each route behind its own permission layer.
pub fn router() -> Router<AppState> {
    let mut router = Router::new();
    for route in routes() {
        router = router.route(
            route.path,
            crate::auth::guarded(route.handler, route.permission),
        );
    }
    router
}
