//! Parameters of a list request: paging, sorting, filtering and search, validated against
//! what a record kind allows so that no column name from outside reaches a query.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::validation::ValidationErrors;

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    #[default]
    Asc,
    Desc,
}

/// A validated list request. `sort` and the filter columns are known columns of the kind.
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    pub limit: u64,
    pub offset: u64,
    pub sort: &'static str,
    pub order: SortOrder,
    pub search: Option<String>,
    pub filters: Vec<(&'static str, String)>,
}

/// Raw list parameters as they arrive in a query string.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RawListParams {
    pub limit: Option<String>,
    pub offset: Option<String>,
    pub sort: Option<String>,
    pub order: Option<String>,
    pub q: Option<String>,
}

impl ListQuery {
    /// Validates raw parameters. `sortable` and `filterable` are the columns the kind
    /// exposes; `filters` are the remaining query-string pairs, each of which must name
    /// a filterable column.
    pub fn parse(
        raw: &RawListParams,
        filters: &[(String, String)],
        sortable: &[&'static str],
        filterable: &[&'static str],
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let limit = parse_limit(&mut errors, raw.limit.as_deref(), DEFAULT_LIMIT, MAX_LIMIT);
        let offset = parse_offset(&mut errors, raw.offset.as_deref());
        let sort = match raw.sort.as_deref().filter(|s| !s.is_empty()) {
            None => sortable.first().copied().unwrap_or("name"),
            Some(s) => match sortable.iter().find(|c| **c == s) {
                Some(c) => c,
                None => {
                    errors.add("sort", format!("must be one of {}", sortable.join(", ")));
                    "name"
                }
            },
        };
        let order = match raw.order.as_deref().filter(|s| !s.is_empty()) {
            None | Some("asc") => SortOrder::Asc,
            Some("desc") => SortOrder::Desc,
            Some(_) => {
                errors.add("order", "must be asc or desc");
                SortOrder::Asc
            }
        };
        let search = raw
            .q
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(str::to_owned);
        if search.as_ref().is_some_and(|q| q.chars().count() > 200) {
            errors.add("q", "must be at most 200 characters");
        }
        let mut known_filters = Vec::new();
        for (key, value) in filters {
            match filterable.iter().find(|c| **c == key) {
                Some(column) if !value.is_empty() => known_filters.push((*column, value.clone())),
                Some(_) => {}
                None => errors.add(key.clone(), unknown_parameter_message(filterable)),
            }
        }
        errors.into_result()?;
        Ok(Self {
            limit,
            offset,
            sort,
            order,
            search,
            filters: known_filters,
        })
    }
}

fn unknown_parameter_message(filterable: &[&str]) -> String {
    let mut known = vec!["limit", "offset", "sort", "order", "q"];
    known.extend_from_slice(filterable);
    format!(
        "is not a known parameter; expected one of {}",
        known.join(", ")
    )
}

/// A page size from a query string: a whole number from 1 to `max`; `default` when absent
/// or empty. A bad value is added to `errors` under `limit`.
pub fn parse_limit(
    errors: &mut ValidationErrors,
    raw: Option<&str>,
    default: u64,
    max: u64,
) -> u64 {
    parse_bounded(errors, "limit", raw, default, 1..=max)
}

/// How many records to skip, from a query string: a whole number up to the largest the
/// databases take; 0 when absent or empty. A bad value is added to `errors` under
/// `offset`.
pub fn parse_offset(errors: &mut ValidationErrors, raw: Option<&str>) -> u64 {
    parse_bounded(errors, "offset", raw, 0, 0..=i64::MAX as u64)
}

fn parse_bounded(
    errors: &mut ValidationErrors,
    field: &str,
    raw: Option<&str>,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> u64 {
    let Some(value) = raw.map(str::trim).filter(|v| !v.is_empty()) else {
        return default;
    };
    match value.parse::<u64>() {
        Ok(n) if range.contains(&n) => n,
        _ => {
            errors.add(
                field,
                format!(
                    "must be a whole number from {} to {}, got `{value}`",
                    range.start(),
                    range.end()
                ),
            );
            default
        }
    }
}

/// One page of a list and the total number of matching records.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub limit: u64,
    pub offset: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    const SORTABLE: &[&str] = &["name", "created_at"];
    const FILTERABLE: &[&str] = &["lifecycle_stage"];

    #[test]
    fn defaults() {
        let q = ListQuery::parse(&RawListParams::default(), &[], SORTABLE, FILTERABLE).unwrap();
        assert_eq!(
            (q.limit, q.offset, q.sort, q.order, q.search),
            (50, 0, "name", SortOrder::Asc, None)
        );
    }

    #[test]
    fn every_bad_parameter_is_reported() {
        let raw = RawListParams {
            limit: Some("0".into()),
            offset: Some("x".into()),
            sort: Some("password_hash".into()),
            order: Some("sideways".into()),
            q: None,
        };
        let err = ListQuery::parse(
            &raw,
            &[("colour".into(), "red".into())],
            SORTABLE,
            FILTERABLE,
        )
        .unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["limit", "offset", "sort", "order", "colour"]);
    }

    #[test]
    fn limits_and_offsets_are_whole_numbers_in_range() {
        let mut errors = ValidationErrors::new();
        assert_eq!(parse_limit(&mut errors, None, 50, 500), 50);
        assert_eq!(parse_limit(&mut errors, Some(" "), 50, 500), 50);
        assert_eq!(parse_limit(&mut errors, Some(" 20 "), 50, 500), 20);
        assert_eq!(
            parse_offset(&mut errors, Some("9223372036854775807")),
            i64::MAX as u64
        );
        assert!(errors.is_empty());
        for bad in ["0", "501", "-1", "1.5", "many"] {
            parse_limit(&mut errors, Some(bad), 50, 500);
        }
        parse_offset(&mut errors, Some("9223372036854775808"));
        let messages: Vec<_> = errors
            .0
            .iter()
            .map(|e| (e.field.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(messages.len(), 6);
        assert_eq!(
            messages[0],
            ("limit", "must be a whole number from 1 to 500, got `0`")
        );
        assert_eq!(
            messages[5],
            (
                "offset",
                "must be a whole number from 0 to 9223372036854775807, got `9223372036854775808`"
            )
        );
    }

    #[test]
    fn filters_and_search() {
        let raw = RawListParams {
            q: Some("  detector ".into()),
            ..Default::default()
        };
        let q = ListQuery::parse(
            &raw,
            &[("lifecycle_stage".into(), "operation".into())],
            SORTABLE,
            FILTERABLE,
        )
        .unwrap();
        assert_eq!(q.search.as_deref(), Some("detector"));
        assert_eq!(
            q.filters,
            vec![("lifecycle_stage", "operation".to_string())]
        );
    }
}
