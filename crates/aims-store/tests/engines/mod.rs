//! Opens a fresh store on every engine available to the test: SQLite in a temp dir,
//! and PostgreSQL in a throwaway cluster of this test's own.

use aims_store::Store;
use aims_testkit::pg::PgCluster;

pub struct Engines {
    pub stores: Vec<(&'static str, Store)>,
    pub dir: tempfile::TempDir,
    pub pg: Option<PgCluster>,
}

pub async fn open_all() -> Engines {
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite_url = format!("sqlite://{}", dir.path().join("aims.db").display());
    let mut stores = vec![(
        "sqlite",
        Store::open(&sqlite_url).await.expect("open sqlite"),
    )];
    let pg = PgCluster::start();
    if let Some(pg) = &pg {
        let url = pg.create_database("aims_test");
        stores.push(("postgres", Store::open(&url).await.expect("open postgres")));
    }
    Engines { stores, dir, pg }
}

impl Engines {
    /// Another empty store on the same engine as `engine`, for moves between installations.
    #[allow(dead_code)] // not every test binary uses every helper
    pub async fn fresh(&self, engine: &str, name: &str) -> Store {
        self.fresh_with_url(engine, name).await.0
    }

    /// Like [`Engines::fresh`], with the database's URL.
    #[allow(dead_code)] // not every test binary uses every helper
    pub async fn fresh_with_url(&self, engine: &str, name: &str) -> (Store, String) {
        let url = match engine {
            "sqlite" => format!(
                "sqlite://{}",
                self.dir.path().join(format!("{name}.db")).display()
            ),
            _ => self.pg.as_ref().expect("postgres").create_database(name),
        };
        let store = Store::open(&url).await.expect("open a fresh store");
        (store, url)
    }

    /// The engines available, by name.
    #[allow(dead_code)]
    pub fn names(&self) -> Vec<&'static str> {
        self.stores.iter().map(|(engine, _)| *engine).collect()
    }
}

/// Runs SQL against a database directly, as someone with database access could.
#[allow(dead_code)]
pub async fn tamper(url: &str, sql: &str) {
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url)
            .await
            .expect("connect sqlite");
        sqlx::raw_sql(sql).execute(&pool).await.expect("tamper");
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(url).await.expect("connect postgres");
        sqlx::raw_sql(sql).execute(&pool).await.expect("tamper");
        pool.close().await;
    }
}
