//! The OpenAPI 3.1 document, built from the route table and the types' `ToSchema`
//! descriptions, so it covers exactly the routes the server has.

use std::sync::OnceLock;

use aims_domain::FieldError;
use aims_domain::account::{ApiTokenInfo, Member, Organisation};
use aims_domain::inventory::{
    DatasetFields, FieldDef, FieldKind, ModelFields, RecordKind, SupplierFields, SystemFields,
};
use axum::Json;
use axum::http::Method;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;

use super::organisations::{CreateOrganisation, OrganisationList};
use super::session::{ChangePassword, SessionInfo, SessionUser, SignInRequest, SwitchOrganisation};
use super::tokens::{CreateToken, CreatedToken, TokenList};
use super::users::{CreateUser, MemberList, UpdateUser};
use super::{Doc, routes};
use crate::error::{ERROR_CODES, ErrorBody};

pub async fn serve() -> Json<Value> {
    Json(document().clone())
}

/// The document, built once per process.
pub fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(build)
}

fn build() -> Value {
    let mut paths = Map::new();
    for route in routes() {
        let path = format!("/api/v1{}", route.path);
        let operation = operation(&route.method, &route.doc, route.permission.is_some());
        let item = paths.entry(path).or_insert_with(|| json!({}));
        item[route.method.as_str().to_lowercase()] = operation;
    }
    for (path, id, summary) in [
        ("/healthz", "getHealth", "Alive: the process answers"),
        ("/readyz", "getReadiness", "Ready: the database answers"),
    ] {
        paths.insert(
            path.into(),
            json!({"get": {
                "operationId": id, "summary": summary, "tags": ["meta"], "security": [],
                "responses": {
                    "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}},
                    "503": {"description": "Not ready", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}}
                }
            }}),
        );
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "aims API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "REST API of aims, an AI management system for ISO/IEC 42001. Authenticate with `Authorization: Bearer <token>` (create one with POST /api/v1/tokens) or with the session cookie from POST /api/v1/session; changes made with the cookie must carry the `X-CSRF-Token` header. Every error has the body `ErrorBody` with a stable `code`.",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"}
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerToken": []}, {"sessionCookie": []}],
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "bearerToken": {"type": "http", "scheme": "bearer", "description": "An API token from POST /api/v1/tokens"},
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE, "description": "Set by POST /api/v1/session; unsafe methods also need X-CSRF-Token"}
            }
        }
    })
}

fn operation(method: &Method, doc: &Doc, authenticated: bool) -> Value {
    let mut parameters: Vec<Value> = doc
        .path_params
        .iter()
        .map(|name| {
            // Framework refs, event ids and library ids are text; every other path id is a UUID.
            let schema = if *name == "ref" {
                json!({"type": "string", "minLength": 1, "maxLength": 100, "description": "An identifier of the framework, for example `A.6.2.4` or `6.1.2`"})
            } else if *name == "version" {
                json!({"type": "integer", "minimum": 1})
            } else if *name == "event_id" {
                json!({"type": "string", "minLength": 1, "maxLength": 200})
            } else if *name == "framework_id" || *name == "crosswalk_id" {
                json!({"type": "string", "minLength": 1, "maxLength": 200, "description": "An id of the library, such as `iso-iec-42001-2023`"})
            } else if *name == "template_id" {
                json!({"type": "string", "minLength": 1, "maxLength": 200, "description": "A template id of the library, such as `impact-individuals-groups`"})
            } else {
                json!({"type": "string", "format": "uuid"})
            };
            json!({"name": name, "in": "path", "required": true, "schema": schema})
        })
        .collect();
    for (name, description) in doc.query_params {
        let schema = match *name {
            "format" => format_schema(doc.download),
            _ => query_schema(name),
        };
        parameters.push(json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema}));
    }
    if let Some(kind) = doc.list_of {
        parameters.extend(list_parameters(kind));
    }
    let (status, body) = &doc.success;
    let mut responses = Map::new();
    let success = match body {
        _ if !doc.download.is_empty() => {
            let content: Map<String, Value> = doc
                .download
                .iter()
                .map(|media| {
                    // A JSON file (an OSCAL document) is still JSON to a client that parses it.
                    let schema = if *media == "application/json" {
                        json!({"type": "object"})
                    } else {
                        json!({"type": "string", "format": "binary"})
                    };
                    ((*media).to_owned(), json!({ "schema": schema }))
                })
                .collect();
            json!({"description": "The file, as an attachment", "content": content})
        }
        Some(schema) => {
            json!({"description": "Success", "content": {"application/json": {"schema": schema}}})
        }
        None => json!({"description": "Success, no content"}),
    };
    responses.insert(status.to_string(), success);
    let mut error_statuses = vec![400, 500];
    if authenticated {
        error_statuses.extend([401, 403]);
    }
    if !doc.path_params.is_empty() {
        error_statuses.push(404);
    }
    if doc.request.is_some() {
        error_statuses.extend([413, 415]);
    }
    if matches!(
        *method,
        Method::POST | Method::PATCH | Method::DELETE | Method::PUT
    ) && authenticated
    {
        error_statuses.push(409);
    }
    if doc.operation_id == "signIn" {
        error_statuses.extend([401, 429]);
    }
    error_statuses.extend(doc.errors);
    error_statuses.sort_unstable();
    error_statuses.dedup();
    for status in error_statuses {
        let codes: Vec<String> = ERROR_CODES
            .iter()
            .filter(|(s, _, _)| *s == status)
            .map(|(_, code, text)| format!("`{code}`: {text}"))
            .collect();
        responses.insert(
            status.to_string(),
            json!({"description": codes.join(" "), "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}}),
        );
    }
    let mut op = json!({
        "operationId": doc.operation_id,
        "summary": doc.summary,
        "tags": [doc.tag],
        "responses": responses,
    });
    if !parameters.is_empty() {
        op["parameters"] = Value::Array(parameters);
    }
    if let Some(schema) = &doc.request {
        op["requestBody"] =
            json!({"required": true, "content": {"application/json": {"schema": schema}}});
    }
    if !authenticated {
        op["security"] = json!([]);
    }
    op
}

fn list_parameters(kind: RecordKind) -> Vec<Value> {
    let mut params = vec![
        json!({"name": "limit", "in": "query", "description": "Page size", "schema": {"type": "integer", "minimum": 1, "maximum": aims_domain::listing::MAX_LIMIT, "default": aims_domain::listing::DEFAULT_LIMIT}}),
        json!({"name": "offset", "in": "query", "description": "Records to skip", "schema": query_schema("offset")}),
        json!({"name": "sort", "in": "query", "description": "Column to sort by; empty: the first", "schema": {"type": "string", "enum": kind.sortable().iter().copied().chain([""]).collect::<Vec<_>>()}}),
        json!({"name": "order", "in": "query", "schema": {"type": "string", "enum": ["asc", "desc", ""], "default": "asc"}}),
        json!({"name": "q", "in": "query", "description": "Case-insensitive search in the name", "schema": {"type": "string", "maxLength": 200}}),
    ];
    for column in kind.filterable() {
        // Query values are text; an empty value means "no filter", as a form's "any" option sends.
        let schema = match kind.field(column).map(|f| f.kind) {
            Some(FieldKind::Choice(choices)) => {
                let mut values: Vec<&str> = choices.iter().map(|c| c.value).collect();
                values.push("");
                json!({"type": "string", "enum": values})
            }
            Some(FieldKind::Bool) => json!({"type": "string", "enum": ["true", "false", ""]}),
            Some(FieldKind::Reference(_)) => {
                json!({"anyOf": [{"type": "string", "format": "uuid"}, {"type": "string", "maxLength": 0}]})
            }
            _ => json!({"type": "string", "maxLength": 200}),
        };
        params.push(json!({"name": column, "in": "query", "description": format!("Only records whose {column} equals this; empty: no filter"), "schema": schema}));
    }
    params
}

/// The schema of an extra query parameter, by its name: the same name means the same
/// thing on every route.
fn query_schema(name: &str) -> Value {
    match name {
        "all" => json!({"type": "boolean"}),
        "revision" => json!({"type": "integer", "minimum": 1}),
        "limit" => {
            json!({"type": "integer", "minimum": 1, "maximum": aims_domain::listing::MAX_LIMIT, "default": aims_domain::listing::DEFAULT_LIMIT})
        }
        "offset" => json!({"type": "integer", "minimum": 0, "maximum": i64::MAX, "default": 0}),
        "from" | "to" => json!({"type": "string", "format": "date-time"}),
        "from_version" | "to_version" | "version" => json!({"type": "integer", "minimum": 1}),
        "applicable" | "overdue" => json!({"type": "string", "enum": ["true", "false", ""]}),
        "basis" => json!({"type": "string", "enum": ["inherent", "residual", ""]}),
        "acceptance" => json!({"type": "string", "enum": ["none", "current", "expired", ""]}),
        "treatment" => {
            json!({"type": "string", "enum": ["modify", "avoid", "share", "retain", ""]})
        }
        "system_id" | "with" => json!({"type": "string", "format": "uuid"}),
        _ => json!({"type": "string", "maxLength": 200}),
    }
}

/// The `format` parameter of a download: the values of each media type it answers with
/// (JSON downloads with a `format` are the SoA's two OSCAL documents).
fn format_schema(media_types: &[&str]) -> Value {
    let formats: Vec<&str> = media_types
        .iter()
        .flat_map(|media| match media.split(';').next().unwrap_or("") {
            "text/csv" => vec!["csv"],
            m if m == super::decisions::PARQUET => vec!["parquet"],
            m if m == super::soa::XLSX => vec!["xlsx"],
            m if m == super::soa::JSON => vec!["oscal-profile", "oscal-assessment-results"],
            other => vec![other.rsplit('/').next().unwrap_or(other)],
        })
        .collect();
    json!({"type": "string", "enum": formats})
}

pub(super) fn add<T: ToSchema>(schemas: &mut Map<String, Value>) {
    let mut nested: Vec<(String, RefOr<Schema>)> = Vec::new();
    T::schemas(&mut nested);
    for (name, schema) in nested {
        schemas.insert(name, to_value(schema));
    }
    schemas.insert(T::name().into_owned(), to_value(T::schema()));
}

fn to_value(schema: RefOr<Schema>) -> Value {
    serde_json::to_value(schema).unwrap_or(Value::Null)
}

/// Adds the rules of a field that JSON Schema can state: lengths, non-blank text, list sizes.
fn describe_field(prop: &mut Value, def: &FieldDef) {
    let description = if def.read_only {
        format!("{} Read-only.", def.hint)
    } else {
        def.hint.to_owned()
    };
    let extra = match def.kind {
        FieldKind::Text(max) if def.required => {
            json!({"maxLength": max, "minLength": 1, "pattern": "\\S"})
        }
        FieldKind::Text(max) => json!({"maxLength": max}),
        FieldKind::LongText => json!({"maxLength": 10_000}),
        FieldKind::Email => json!({"maxLength": 254, "pattern": EMAIL_PATTERN}),
        FieldKind::List => {
            json!({"maxItems": 100, "items": {"type": "string", "maxLength": 200, "minLength": 1, "pattern": "\\S"}})
        }
        FieldKind::References(_) => json!({"maxItems": 100}),
        FieldKind::MultiChoice(_) => json!({"uniqueItems": true}),
        FieldKind::Metrics => {
            json!({"maxProperties": 50, "propertyNames": {"maxLength": 100, "minLength": 1, "pattern": "\\S"}})
        }
        _ => json!({}),
    };
    if prop.get("$ref").is_some() || prop.get("oneOf").is_some() {
        *prop = json!({"allOf": [prop.clone()], "description": description});
        return;
    }
    prop["description"] = Value::String(description);
    if let (Some(target), Some(extra)) = (prop.as_object_mut(), extra.as_object()) {
        for (key, value) in extra {
            match target.get_mut(key) {
                Some(Value::Object(existing)) if value.is_object() => {
                    existing.extend(value.as_object().cloned().unwrap_or_default())
                }
                _ => {
                    target.insert(key.clone(), value.clone());
                }
            }
        }
    }
}

/// The e-mail addresses `aims_domain::validation::check_email` accepts, or empty.
pub const EMAIL_PATTERN: &str = "^$|^[^@\\s]+@[^@\\s.][^@\\s]*\\.[^@\\s]*[^@\\s.]$";

/// A type that embeds another (`#[serde(flatten)]`) is documented as `allOf` the two; a
/// member that refuses unknown properties (an input type with `deny_unknown_fields`) would
/// then refuse the other member's properties, and no answer could match. Such members are
/// inlined without that refusal; the input type keeps it where it is used on its own.
fn open_all_of_members(schema: &mut Value, components: &Map<String, Value>) {
    match schema {
        Value::Object(map) => {
            if let Some(Value::Array(members)) = map.get_mut("allOf") {
                for member in members.iter_mut() {
                    let target = member["$ref"]
                        .as_str()
                        .and_then(|r| r.strip_prefix("#/components/schemas/"))
                        .and_then(|name| components.get(name));
                    if let Some(target) = target
                        && target.get("additionalProperties") == Some(&Value::Bool(false))
                    {
                        *member = target.clone();
                    }
                    if let Value::Object(member) = member {
                        member.remove("additionalProperties");
                    }
                }
            }
            for value in map.values_mut() {
                open_all_of_members(value, components);
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| open_all_of_members(item, components)),
        _ => {}
    }
}

fn schemas() -> Map<String, Value> {
    let mut s = Map::new();
    add::<ErrorBody>(&mut s);
    add::<aims_domain::decision::AppendedBatch>(&mut s);
    add::<super::decisions::DecisionList>(&mut s);
    add::<super::decisions::GroundTruth>(&mut s);
    let scalar = json!({"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]});
    let event_properties = json!({
        "id": {"type": "string", "minLength": 1, "maxLength": 200, "description": "The caller's id, unique per system; assigned when absent (a time-ordered UUID, version 7)"},
        "time": {"type": "string", "format": "date-time", "description": "When the decision was made"},
        "model_version": {"type": "string", "minLength": 1, "maxLength": 200},
        "decision": scalar.clone(),
        "score": {"type": "number"},
        "ground_truth": scalar,
        "groups": {"type": "object", "additionalProperties": {"type": "string", "maxLength": 200}, "maxProperties": 16, "description": "Attributes for fairness monitoring, such as skin_tone"},
        "input_ref": {"type": "string", "minLength": 1, "maxLength": 200, "description": "A reference to the input; never the personal data itself"},
        "input_hash": {"type": "string", "minLength": 1, "maxLength": 200},
        "human_override": {"type": "boolean"},
    });
    s.insert(
        "DecisionEvent".into(),
        json!({"type": "object", "required": ["id", "time", "decision", "human_override"], "properties": event_properties.clone(), "additionalProperties": false}),
    );
    s.insert(
        "DecisionBatch".into(),
        json!({"type": "array", "minItems": 1, "maxItems": aims_domain::decision::MAX_BATCH, "items": {"type": "object", "required": ["time", "decision"], "properties": event_properties, "additionalProperties": false}}),
    );
    add::<super::ledger::LedgerEntryList>(&mut s);
    add::<aims_domain::history::LedgerEntry>(&mut s);
    add::<super::ledger::TreeHeadInfo>(&mut s);
    add::<super::inventory::History>(&mut s);
    add::<aims_domain::history::FieldChange>(&mut s);
    add::<FieldError>(&mut s);
    add::<SignInRequest>(&mut s);
    add::<SessionInfo>(&mut s);
    add::<SessionUser>(&mut s);
    add::<SwitchOrganisation>(&mut s);
    add::<ChangePassword>(&mut s);
    add::<CreateToken>(&mut s);
    add::<CreatedToken>(&mut s);
    add::<TokenList>(&mut s);
    add::<ApiTokenInfo>(&mut s);
    add::<CreateUser>(&mut s);
    add::<UpdateUser>(&mut s);
    add::<Member>(&mut s);
    add::<MemberList>(&mut s);
    add::<Organisation>(&mut s);
    add::<OrganisationList>(&mut s);
    add::<CreateOrganisation>(&mut s);
    add::<aims_domain::Role>(&mut s);
    s.insert(
        "RecordMeta".into(),
        json!({
            "type": "object",
            "required": ["id", "organisation_id", "revision", "created_at", "updated_at", "created_by", "updated_by"],
            "properties": {
                "id": {"type": "string", "format": "uuid"},
                "organisation_id": {"type": "string", "format": "uuid"},
                "revision": {"type": "integer", "minimum": 1, "description": "Grows by one on every change; send it back when updating"},
                "created_at": {"type": "string", "format": "date-time"},
                "updated_at": {"type": "string", "format": "date-time"},
                "created_by": {"type": "string"},
                "updated_by": {"type": "string"}
            }
        }),
    );
    add_kind::<SystemFields>(&mut s);
    add_kind::<ModelFields>(&mut s);
    add_kind::<DatasetFields>(&mut s);
    add_kind::<SupplierFields>(&mut s);
    super::library::schemas(&mut s);
    add_soa(&mut s);
    add_risks(&mut s);
    super::classification::schemas(&mut s);
    add_assessments(&mut s);
    add::<aims_domain::evaluation::EvaluationKind>(&mut s);
    add::<aims_domain::evaluation::Verdict>(&mut s);
    add::<aims_domain::evaluation::InputFile>(&mut s);
    add::<aims_domain::evaluation::NewEvaluation>(&mut s);
    add::<aims_domain::evaluation::Evaluation>(&mut s);
    add::<super::evaluations::EvaluationList>(&mut s);
    s.insert("Health".into(), json!({"type": "object", "required": ["status"], "properties": {"status": {"type": "string", "enum": ["ok", "unavailable"]}}}));
    s.insert(
        "OpenApiDocument".into(),
        json!({"type": "object", "description": "An OpenAPI 3.1 document"}),
    );
    let components = s.clone();
    for schema in s.values_mut() {
        open_all_of_members(schema, &components);
    }
    s
}

/// The schemas of one record kind: its fields (the create body), the record, a page of
/// records and the partial update.
fn add_kind<F: ToSchema + aims_domain::inventory::RecordFields>(s: &mut Map<String, Value>) {
    add::<F>(s);
    let kind = F::KIND;
    let base = kind.schema_name().trim_end_matches("Fields").to_owned();
    let mut fields = s.get(kind.schema_name()).cloned().unwrap_or(Value::Null);
    fields["additionalProperties"] = Value::Bool(false);
    fields["description"] = Value::String(format!(
        "The editable fields of a {}. Unknown fields are refused.",
        kind.singular()
    ));
    if let Some(props) = fields["properties"].as_object_mut() {
        for def in kind.fields() {
            if let Some(prop) = props.get_mut(def.name) {
                describe_field(prop, def);
            }
        }
    }
    if kind == RecordKind::Dataset {
        // Special-category data is personal data (validated by the server as well).
        fields["if"] = json!({"properties": {"special_category_data": {"const": true}}, "required": ["special_category_data"]});
        fields["then"] = json!({"properties": {"personal_data": {"const": true}}, "required": ["personal_data"]});
    }
    // The request bodies leave out read-only fields; the record keeps them.
    let mut input = fields.clone();
    if let Some(props) = input["properties"].as_object_mut() {
        for def in kind.fields().iter().filter(|d| d.read_only) {
            props.remove(def.name);
        }
    }
    if let Some(required) = input["required"].as_array_mut() {
        required.retain(|r| {
            kind.field(r.as_str().unwrap_or_default())
                .is_some_and(|d| !d.read_only)
        });
    }
    s.insert(kind.schema_name().into(), input.clone());

    let mut patch = input;
    if let Some(props) = patch["properties"].as_object_mut() {
        props.insert(
            "revision".into(),
            json!({"type": "integer", "minimum": 1, "description": "The revision you read. An `If-Match` header may carry it instead."}),
        );
    }
    patch["required"] = json!(["revision"]);
    patch["description"] = Value::String(format!(
        "Fields of a {} to change, and the revision read; the others keep their values.",
        kind.singular()
    ));
    if let Some(obj) = patch.as_object_mut() {
        obj.remove("if");
        obj.remove("then");
    }
    s.insert(format!("{base}Patch"), patch);

    // A record is the meta columns and the fields in one flat object.
    let mut record = fields;
    if let (Some(props), Some(meta)) = (
        record["properties"].as_object_mut(),
        s["RecordMeta"]["properties"].as_object(),
    ) {
        for (name, prop) in meta {
            props.insert(name.clone(), prop.clone());
        }
    }
    let mut required: Vec<Value> = s["RecordMeta"]["required"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    required.extend(kind.fields().iter().map(|d| Value::String(d.name.into())));
    record["required"] = Value::Array(required);
    record["description"] = Value::String(format!("A stored {}.", kind.singular()));
    if let Some(obj) = record.as_object_mut() {
        obj.remove("if");
        obj.remove("then");
    }
    s.insert(format!("{base}Record"), record);
    s.insert(
        format!("{base}Page"),
        json!({
            "type": "object",
            "required": ["items", "total", "limit", "offset"],
            "properties": {
                "items": {"type": "array", "items": {"$ref": format!("#/components/schemas/{base}Record")}},
                "total": {"type": "integer", "minimum": 0, "description": "Records matching the filters, on all pages"},
                "limit": {"type": "integer"},
                "offset": {"type": "integer"}
            }
        }),
    );
}

/// The schemas of the impact assessment routes.
fn add_assessments(s: &mut Map<String, Value>) {
    use super::assessments::*;
    use aims_domain::assessment::{AnswerChange, AssessmentStatus, ImpactAssessment, LevelReason};
    add::<TemplateSummary>(s);
    add::<TemplateList>(s);
    add::<AssessmentStatus>(s);
    add::<LevelReason>(s);
    add::<ImpactAssessment>(s);
    add::<ImpactAssessmentList>(s);
    add::<NewImpactAssessment>(s);
    add::<ImpactAssessmentPatch>(s);
    add::<ApproveImpactAssessment>(s);
    add::<AnswerChange>(s);
    add::<AssessmentComparison>(s);
    add::<RaiseRisk>(s);
    add::<RaisedRisk>(s);
    s.insert(
        "AssessmentTemplateDocument".into(),
        json!({
            "type": "object",
            "description": "An aims-assessment-template/1 document as JSON (docs/library-format.md)",
            "required": ["id", "name", "version", "levels", "sections"],
            "properties": {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "version": {"type": "string"},
                "description": {"type": "string"},
                "applies_to": {"type": ["string", "null"]},
                "levels": {"type": "array", "items": {"type": "string"}, "description": "Impact levels, lowest first"},
                "sections": {"type": "array", "items": {"type": "object"}},
                "rules": {"type": "array", "items": {"type": "object"}}
            }
        }),
    );
}

/// The schemas of the risk register routes.
fn add_risks(s: &mut Map<String, Value>) {
    use super::risks::*;
    use aims_domain::risk::*;
    add::<ScaleStep>(s);
    add::<RiskLevel>(s);
    add::<RiskCriteria>(s);
    add::<Rating>(s);
    add::<Treatment>(s);
    add::<ActionStatus>(s);
    add::<ControlLink>(s);
    add::<TreatmentAction>(s);
    add::<RiskFields>(s);
    add::<Acceptance>(s);
    add::<Risk>(s);
    add::<AcceptanceState>(s);
    add::<LevelInfo>(s);
    add::<RiskStatus>(s);
    add::<crate::risks::RiskView>(s);
    add::<RiskList>(s);
    add::<RiskCriteriaInfo>(s);
    add::<SetRiskCriteria>(s);
    add::<AcceptRiskRequest>(s);
    add::<RiskSourceInfo>(s);
    add::<RiskSourceList>(s);
    let mut patch = s.get("RiskFields").cloned().unwrap_or(Value::Null);
    if let Some(props) = patch["properties"].as_object_mut() {
        props.insert(
            "revision".into(),
            json!({"type": "integer", "minimum": 1, "description": "The revision you read. An `If-Match` header may carry it instead."}),
        );
    }
    patch["required"] = json!([]);
    patch["additionalProperties"] = Value::Bool(false);
    patch["description"] = Value::String(
        "Fields of a risk to change, and the revision read; the others keep their values.".into(),
    );
    s.insert("RiskPatch".into(), patch);
}

/// The schemas of the Statement of Applicability routes.
fn add_soa(s: &mut Map<String, Value>) {
    use super::soa::*;
    use aims_domain::readiness::{
        Coverage, GroupCoverage, GroupScore, Readiness, Score, TargetCoverage,
    };
    use aims_domain::soa::{
        ConformityStatus, ControlFields, EvidenceRef, EvidenceState, ImplementationStatus,
        ItemChange, ItemType, RequirementFields,
    };
    add::<ImplementationStatus>(s);
    add::<ConformityStatus>(s);
    add::<EvidenceRef>(s);
    add::<EvidenceState>(s);
    add::<ControlFields>(s);
    add::<RequirementFields>(s);
    add::<SoaOverview>(s);
    add::<SoaVersionInfo>(s);
    add::<AdoptFramework>(s);
    add::<SoaControl>(s);
    add::<SoaControlList>(s);
    add::<SoaRequirement>(s);
    add::<SoaRequirementList>(s);
    add::<BulkEdit>(s);
    add::<SoaVersionList>(s);
    add::<ApproveSoa>(s);
    add::<ItemType>(s);
    add::<ItemChange>(s);
    add::<SoaComparison>(s);
    add::<Score>(s);
    add::<GroupScore>(s);
    add::<Readiness>(s);
    add::<TargetCoverage>(s);
    add::<GroupCoverage>(s);
    add::<Coverage>(s);
    add::<crate::soa::ReadinessReport>(s);
    for (fields, patch, what) in [
        ("ControlFields", "SoaControlPatch", "control"),
        ("RequirementFields", "SoaRequirementPatch", "requirement"),
    ] {
        let mut schema = s.get(fields).cloned().unwrap_or(Value::Null);
        if let Some(props) = schema["properties"].as_object_mut() {
            props.insert(
                "revision".into(),
                json!({"type": "integer", "minimum": 1, "description": "The revision you read. An `If-Match` header may carry it instead."}),
            );
        }
        schema["required"] = json!(["revision"]);
        schema["additionalProperties"] = Value::Bool(false);
        schema["description"] = Value::String(format!(
            "Fields of a {what}'s entry to change, and the revision read; the others keep their values."
        ));
        s.insert(patch.into(), schema);
    }
}
