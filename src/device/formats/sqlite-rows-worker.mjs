// Reads the rows of SQLite databases with sql.js for src/device/formats/sqlite.ts, in a process of
// its own: sql.js's WebAssembly crashed the parent (a segfault, not an exception) when it ran in
// the same process as the rest of the scan. Plain JavaScript, so it needs no TypeScript loader.
// Message in: { id, bytes: Uint8Array, maxRows }. Out: { id, cells: [{ table, column, row, text? , bytes? }], problems }.
import initSqlJs from 'sql.js';

const SQL = await initSqlJs();

process.on('message', (message) => {
  const { id, bytes, maxRows } = message;
  const cells = [];
  const problems = [];
  let db;
  try {
    db = new SQL.Database(bytes);
    const tables = db.exec("SELECT name FROM sqlite_master WHERE type = 'table'")[0]?.values ?? [];
    for (const [name] of tables) {
      const table = String(name);
      const statement = db.prepare(`SELECT * FROM "${table.replace(/"/g, '""')}" LIMIT ${maxRows + 1}`);
      try {
        const columns = statement.getColumnNames();
        let row = 0;
        while (statement.step()) {
          row++;
          if (row > maxRows) {
            problems.push(`table ${table} has more than ${maxRows} rows; the rest were not read`);
            break;
          }
          const values = statement.get();
          for (let c = 0; c < values.length; c++) {
            const v = values[c];
            if (typeof v === 'string' && v.length >= 4)
              cells.push({ table, column: columns[c], row, text: v });
            else if (v instanceof Uint8Array && v.length >= 4)
              cells.push({ table, column: columns[c], row, bytes: v });
          }
        }
      } finally {
        statement.free();
      }
    }
  } catch (e) {
    problems.push(`its rows could not be read with SQLite (${e instanceof Error ? e.message : String(e)})`);
  } finally {
    db?.close();
  }
  process.send({ id, cells, problems });
});
process.send({ ready: true });
