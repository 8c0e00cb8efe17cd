//! SQLite storage: table layout, transactions, migrations, objects, query execution.
