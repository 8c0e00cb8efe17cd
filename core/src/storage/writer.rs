//! The database's writer connection, with the statements every write runs kept prepared.
//!
//! rusqlite's statement cache costs an allocation and two LRU updates per use, a measurable
//! share of a create. The statement a write transaction runs once per object is kept here
//! instead, prepared on first use and owned next to the connection it borrows.

use std::cell::{Cell, RefCell};

use indexmap::IndexMap;

use rusqlite::{Connection, Statement};

use super::Result;

self_cell::self_cell!(
    /// The writer connection and its kept statements.
    pub struct WriterConn {
        owner: Connection,

        #[not_covariant]
        dependent: Kept,
    }
);

// SAFETY: a `WriterConn` moves between threads as one unit: the connection (which is `Send`)
// together with the statements prepared on it, which refer to nothing but that connection.
// It is not `Sync` (the connection and the `RefCell` are not), so only the thread that holds
// it uses the connection or a statement, as SQLite's multi-thread mode requires. rusqlite's
// own statement cache is `Send` on the same grounds.
unsafe impl Send for WriterConn {}

/// Statements kept prepared for the life of the writer connection.
pub struct Kept<'c> {
    /// The INSERT of a new row, by class name.
    inserts: RefCell<IndexMap<String, Statement<'c>>>,
    /// The place in `inserts` of the last one used: creates come in runs of one class.
    last: Cell<usize>,
    /// Other statements a write runs once per object (a primary key lookup, a column's
    /// UPDATE, a field clock), by their SQL.
    others: RefCell<IndexMap<String, Statement<'c>>>,
    /// The places in `others` of the ones used last, newest first: a write runs a few of them
    /// in turn, and comparing its SQL with theirs is cheaper than hashing it.
    recent: Cell<[usize; RECENT]>,
}

/// How many of the last used statements [`WriterConn::with_kept`] looks at before hashing.
const RECENT: usize = 4;

impl std::fmt::Debug for WriterConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriterConn").finish_non_exhaustive()
    }
}

impl WriterConn {
    /// Wraps the writer connection.
    pub fn open(conn: Connection) -> Self {
        WriterConn::new(conn, |_| Kept {
            inserts: RefCell::new(IndexMap::new()),
            last: Cell::new(0),
            others: RefCell::new(IndexMap::new()),
            recent: Cell::new([usize::MAX; RECENT]),
        })
    }

    /// The connection.
    pub fn conn(&self) -> &Connection {
        self.borrow_owner()
    }

    /// Calls `f` with the INSERT of a new row of `class`, prepared once (from `sql()`) and
    /// kept.
    pub fn with_insert<'s, R>(
        &self,
        class: &str,
        sql: impl Fn() -> Result<&'s str>,
        f: impl FnOnce(&mut Statement<'_>) -> Result<R>,
    ) -> Result<R> {
        self.with_dependent(|conn, kept| {
            // Only a re-entrant call could find the map borrowed; it takes the shared cache.
            let Ok(mut inserts) = kept.inserts.try_borrow_mut() else {
                let mut stmt = conn.prepare_cached(sql()?)?;
                return f(&mut stmt);
            };
            let last = kept.last.get();
            let at = match inserts.get_index(last) {
                Some((k, _)) if k == class => last,
                _ => match inserts.get_index_of(class) {
                    Some(i) => i,
                    None => {
                        let stmt = conn.prepare(sql()?)?;
                        inserts.insert_full(class.to_owned(), stmt).0
                    }
                },
            };
            kept.last.set(at);
            match inserts.get_index_mut(at) {
                Some((_, stmt)) => f(stmt),
                None => {
                    let mut stmt = conn.prepare_cached(sql()?)?;
                    f(&mut stmt)
                }
            }
        })
    }

    /// Calls `f` with `sql` prepared once and kept (instead of rusqlite's statement cache,
    /// which hashes the SQL twice and updates its LRU list on every use).
    pub fn with_kept<R>(
        &self,
        sql: &str,
        f: impl FnOnce(&mut Statement<'_>) -> Result<R>,
    ) -> Result<R> {
        self.with_dependent(|conn, kept| {
            // Only a re-entrant call could find the map borrowed; it takes the shared cache.
            let Ok(mut others) = kept.others.try_borrow_mut() else {
                let mut stmt = conn.prepare_cached(sql)?;
                return f(&mut stmt);
            };
            let mut recent = kept.recent.get();
            let hit = recent
                .iter()
                .position(|&i| others.get_index(i).is_some_and(|(k, _)| k == sql));
            let (at, from) = match hit {
                Some(p) => (recent[p], p),
                None => match others.get_index_of(sql) {
                    Some(i) => (i, RECENT - 1),
                    None => (
                        others.insert_full(sql.to_owned(), conn.prepare(sql)?).0,
                        RECENT - 1,
                    ),
                },
            };
            recent.copy_within(0..from, 1);
            recent[0] = at;
            kept.recent.set(recent);
            match others.get_index_mut(at) {
                Some((_, stmt)) => f(stmt),
                None => {
                    let mut stmt = conn.prepare_cached(sql)?;
                    f(&mut stmt)
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn kept_inserts_run_again_and_move_between_threads() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (x INTEGER UNIQUE)")
            .unwrap();
        let writer = WriterConn::open(conn);
        let sql = "INSERT INTO t (x) VALUES (?1)";
        let insert = |writer: &WriterConn, x: i64| {
            writer.with_insert("t", || Ok(sql), |stmt| Ok(stmt.execute([x])?))
        };
        assert_eq!(insert(&writer, 1).unwrap(), 1);
        let writer = std::thread::spawn(move || {
            assert_eq!(insert(&writer, 2).unwrap(), 1);
            // A failing run leaves the kept statement usable.
            assert!(insert(&writer, 2).is_err());
            assert_eq!(insert(&writer, 3).unwrap(), 1);
            writer
        })
        .join()
        .unwrap();
        let n: i64 = writer
            .conn()
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 3);
    }

    #[test]
    fn kept_statements_are_found_by_their_sql_however_they_alternate() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (k INTEGER, v INTEGER)")
            .unwrap();
        let writer = WriterConn::open(conn);
        let sqls: Vec<String> = (0..7)
            .map(|i| format!("INSERT INTO t (k, v) VALUES (?1, {i})"))
            .collect();
        // More statements than the recent list holds, in an order that misses it often.
        let mut k = 0;
        for _ in 0..3 {
            for sql in sqls.iter().rev().chain(&sqls) {
                k += 1;
                writer
                    .with_kept(sql, |stmt| Ok(stmt.execute([k])?))
                    .unwrap();
            }
        }
        let conn = writer.conn();
        for i in 0..sqls.len() {
            let n: i64 = conn
                .query_row("SELECT count(*) FROM t WHERE v = ?1", [i as i64], |r| {
                    r.get(0)
                })
                .unwrap();
            assert_eq!(n, 6, "statement {i} ran with its own SQL each time");
        }
        assert!(writer.with_kept("NOT SQL", |_| Ok(())).is_err());
    }
}
