//! Hostile input: each file must be refused with a clear message, quickly, without
//! exhausting memory or stack, and without touching a library already loaded.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use aims_library::{MAX_FILE_BYTES, Source, load_dir, load_layers, validate};

fn messages(path: &str, text: String) -> Vec<String> {
    let source = Source {
        path: PathBuf::from(path),
        text,
    };
    match load_layers(&[vec![source]]) {
        Ok(_) => Vec::new(),
        Err(err) => err.problems().iter().map(ToString::to_string).collect(),
    }
}

/// Runs a check and fails when it takes long: a hang is a failure too.
fn quick<T>(f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
    out
}

#[test]
fn billion_laughs_is_refused_at_the_first_anchor() {
    let mut text = String::from(
        "format: aims-framework/1\na0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for i in 1..10 {
        let prev = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{prev},*a{prev},*a{prev},*a{prev},*a{prev},*a{prev},*a{prev},*a{prev},*a{prev}]\n"
        ));
    }
    let found = quick(|| messages("bomb.yaml", text));
    assert_eq!(
        found,
        ["bomb.yaml:2: anchors (`&name`) are not allowed in library files"]
    );
}

#[test]
fn aliases_alone_are_refused_too() {
    // An alias to an unknown anchor is a syntax error; to a known one, refused by us.
    let found = messages("alias.yaml", "a: &x 1\nb: *x\n".into());
    assert_eq!(
        found,
        ["alias.yaml:1: anchors (`&name`) are not allowed in library files"]
    );
}

#[test]
fn deep_flow_nesting_is_refused() {
    let text = "[".repeat(MAX_FILE_BYTES as usize - 1);
    let found = quick(|| messages("deep.yaml", text));
    assert_eq!(
        found,
        ["deep.yaml:1: nesting deeper than 32 levels is not allowed"]
    );
}

#[test]
fn deep_block_nesting_is_refused() {
    let text = "- ".repeat(MAX_FILE_BYTES as usize / 2 - 1);
    let found = quick(|| messages("deep.yaml", text));
    assert_eq!(
        found,
        ["deep.yaml:1: nesting deeper than 32 levels is not allowed"]
    );
    let mut text = String::new();
    for depth in 0..40 {
        text.push_str(&" ".repeat(depth * 2));
        text.push_str("k:\n");
    }
    let found = quick(|| messages("deep.yaml", text));
    assert_eq!(
        found,
        ["deep.yaml:33: nesting deeper than 32 levels is not allowed"]
    );
}

#[test]
fn too_many_values_are_refused() {
    let text = "- a\n".repeat(MAX_FILE_BYTES as usize / 4 - 1);
    let found = quick(|| messages("many.yaml", text));
    assert_eq!(
        found,
        ["many.yaml:500000: more than 500000 values in one file"]
    );
}

#[test]
fn files_over_the_size_limit_are_not_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let frameworks = dir.path().join("frameworks");
    std::fs::create_dir(&frameworks).expect("mkdir");
    // 200 MB, sparse: the limit is checked before reading, so this costs no time.
    let big = frameworks.join("big.yaml");
    std::fs::File::create(&big)
        .and_then(|f| f.set_len(200 * 1000 * 1000))
        .expect("sparse file");
    // 100 MB of real nesting.
    let deep = frameworks.join("deep.yaml");
    let mut file = std::fs::File::create(&deep).expect("create");
    let chunk = "[".repeat(1 << 20);
    for _ in 0..100 {
        file.write_all(chunk.as_bytes()).expect("write");
    }
    drop(file);
    let found: Vec<String> = quick(|| validate(dir.path()))
        .iter()
        .map(ToString::to_string)
        .collect();
    let limit = "file is larger than 16 MiB; library files must stay below that";
    assert_eq!(
        found,
        [
            format!("{}: {limit}", big.display()),
            format!("{}: {limit}", deep.display()),
        ]
    );
    assert!(load_dir(dir.path()).is_err());
}

#[test]
fn devices_are_not_read() {
    let found: Vec<String> = validate(std::path::Path::new("/dev/zero"))
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(found, ["/dev/zero: not a regular file"]);
}

#[test]
fn a_huge_text_field_is_reported_not_kept() {
    let text = format!(
        "format: aims-framework/1\nid: x\nname: x\nshort_name: x\nversion: \"1\"\npublisher: x\ndescription: {}\nnodes:\n  - ref: a\n    title: A\n    kind: clause\n    assessable: false\n",
        "y".repeat(10_000_000)
    );
    let found = quick(|| messages("huge.yaml", text));
    assert_eq!(
        found,
        ["huge.yaml:7: description: is 10000000 characters long; at most 20000 are allowed"]
    );
}
