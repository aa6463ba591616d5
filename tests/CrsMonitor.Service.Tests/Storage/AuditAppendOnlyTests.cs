using System.Data.Common;
using CrsMonitor.Service.Storage;
using Dapper;

namespace CrsMonitor.Service.Tests.Storage;

/// <summary>
/// Every way we know to rewrite or remove an audit row or a seal through SQL is refused by the database itself, even for
/// the owner of the tables (PostgreSQL and SQL Server additionally keep the service's own role from even trying:
/// <see cref="ServiceRoleTests"/>). SQLite's REPLACE deletes the conflicting row without firing DELETE triggers, so it
/// got past the append-only triggers of 0001 until 0004. What no trigger can stop (DROP TRIGGER on SQLite, an owner
/// disabling triggers) is made evident by the hash chain: <see cref="AuditChainTests"/>.
/// </summary>
public sealed class AuditAppendOnlyTests
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);

    // The tests' own statements: what an operator, a bug or an attacker with SQL access might try on row 1.
    private const string Columns = "(id, at, action, outcome)";
    private const string SqliteValues = "(1, '2025-03-01T09:00:00.0000000Z', 'forged', 'success')";
    private const string PostgresValues = "(1, '2025-03-01T09:00:00Z', 'forged', 'success')";

    private static readonly AuditEntry Original = new(
        T0, "nurse-1", "nurse", "fhir.read", "Observation", "o1", "p1", "denied", "127.0.0.1", "corr-1", "not on your units");

    private static readonly AuditSeal Seal = new(1, 1, 1, 1, T0, AuditChain.Genesis, "1:00\n", new string('a', 64));

    public static IEnumerable<TestCaseData> AuditBypasses() =>
    [
        Case(StorageProvider.Sqlite, "REPLACE INTO", $"REPLACE INTO audit_log {Columns} VALUES {SqliteValues}"),
        Case(StorageProvider.Sqlite, "INSERT OR REPLACE", $"INSERT OR REPLACE INTO audit_log {Columns} VALUES {SqliteValues}"),
        Case(StorageProvider.Sqlite, "REPLACE with recursive_triggers off", $"PRAGMA recursive_triggers = OFF; REPLACE INTO audit_log {Columns} VALUES {SqliteValues}"),
        Case(StorageProvider.Sqlite, "ON CONFLICT DO UPDATE", $"INSERT INTO audit_log {Columns} VALUES {SqliteValues} ON CONFLICT (id) DO UPDATE SET action = excluded.action"),
        Case(StorageProvider.Sqlite, "UPDATE OR REPLACE", "UPDATE OR REPLACE audit_log SET action = 'forged'"),
        Case(StorageProvider.Sqlite, "UPDATE", "UPDATE audit_log SET action = 'forged'"),
        Case(StorageProvider.Sqlite, "DELETE", "DELETE FROM audit_log"),
        Case(StorageProvider.Sqlite, "REPLACE of the seal", "REPLACE INTO audit_seal (seq, first_id, last_id, row_count, sealed_at, previous_hash, row_digests, hash) VALUES (1, 1, 1, 1, 'x', 'x', 'x', 'x')"),
        Case(StorageProvider.Sqlite, "UPDATE of the seal", "UPDATE audit_seal SET hash = 'x'"),
        Case(StorageProvider.Sqlite, "DELETE of the seal", "DELETE FROM audit_seal"),
        Case(StorageProvider.Postgres, "ON CONFLICT DO UPDATE", $"INSERT INTO audit_log {Columns} OVERRIDING SYSTEM VALUE VALUES {PostgresValues} ON CONFLICT (id) DO UPDATE SET action = excluded.action"),
        Case(StorageProvider.Postgres, "UPDATE", "UPDATE audit_log SET action = 'forged'"),
        Case(StorageProvider.Postgres, "DELETE", "DELETE FROM audit_log"),
        Case(StorageProvider.Postgres, "TRUNCATE", "TRUNCATE audit_log"),
        Case(StorageProvider.Postgres, "ON CONFLICT DO UPDATE of the seal", "INSERT INTO audit_seal (seq, first_id, last_id, row_count, sealed_at, previous_hash, row_digests, hash) VALUES (1, 1, 1, 1, now(), 'x', 'x', 'x') ON CONFLICT (seq) DO UPDATE SET hash = 'x'"),
        Case(StorageProvider.Postgres, "UPDATE of the seal", "UPDATE audit_seal SET hash = 'x'"),
        Case(StorageProvider.Postgres, "DELETE of the seal", "DELETE FROM audit_seal"),
        Case(StorageProvider.Postgres, "TRUNCATE of the seal", "TRUNCATE audit_seal"),
        Case(StorageProvider.SqlServer, "MERGE", "MERGE audit_log AS t USING (SELECT CAST(1 AS bigint) AS id) AS s ON t.id = s.id WHEN MATCHED THEN UPDATE SET action = 'forged';"),
        Case(StorageProvider.SqlServer, "UPDATE", "UPDATE audit_log SET action = 'forged'"),
        Case(StorageProvider.SqlServer, "DELETE", "DELETE FROM audit_log"),
        Case(StorageProvider.SqlServer, "UPDATE of the seal", "UPDATE audit_seal SET hash = 'x'"),
        Case(StorageProvider.SqlServer, "DELETE of the seal", "DELETE FROM audit_seal"),
    ];

    [TestCaseSource(nameof(AuditBypasses))]
    public async Task Bypass_IsRefused_AndTheRowAndSealStayAsTheyWere(StorageProvider provider, string statement)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await AppendRowAndSealAsync(db.Database);

        Assert.That(async () => await ExecuteAsync(db.Database, statement), Throws.InstanceOf<DbException>());
        await using var c = await db.Database.OpenAsync(default);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await AuditStore.RecentAsync(c, 10, default), Is.EqualTo(new[] { Original }));
            Assert.That(await AuditSealStore.LastAsync(c, null, default), Is.EqualTo(Seal));
        }
    }

    [Test]
    public async Task Sqlite_RecursiveTriggersOn_ReplaceIsStillRefused()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        await AppendRowAndSealAsync(db.Database);
        Assert.That(
            async () => await ExecuteAsync(db.Database, $"PRAGMA recursive_triggers = ON; REPLACE INTO audit_log {Columns} VALUES {SqliteValues}"),
            Throws.InstanceOf<DbException>());
        await using var c = await db.Database.OpenAsync(default);
        Assert.That(await AuditStore.RecentAsync(c, 10, default), Is.EqualTo(new[] { Original }));
    }

    [TestCase(0)]
    [TestCase(-1)]
    public async Task Sqlite_AnIdBelowOne_IsRefused_SoNoRowHidesFromTheReplaceGuard(long id)
    {
        // In a BEFORE INSERT trigger NEW.id is -1 when AUTOINCREMENT assigns the id: a stored row -1 would be out of the guard's sight.
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        Assert.That(
            async () => await ExecuteAsync(db.Database, $"INSERT INTO audit_log {Columns} VALUES (@Id, 'x', 'forged', 'success')", new { Id = id }),
            Throws.InstanceOf<DbException>());
        await using var c = await db.Database.OpenAsync(default);
        Assert.That(await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_log"), Is.Zero);
    }

    [Test]
    public async Task Sqlite_OrdinaryAppends_StillWork_AfterTheGuards()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        await using var c = await db.Database.OpenAsync(default);
        for (var i = 0; i < 5; i++)
        {
            await AuditStore.AppendAsync(c, null, Original with { At = T0.AddSeconds(i) }, default);
        }

        Assert.That((await AuditStore.RecentAsync(c, 10, default)).Select(e => e.At), Is.EqualTo(Enumerable.Range(0, 5).Reverse().Select(i => T0.AddSeconds(i))));
    }

    private static TestCaseData Case(StorageProvider provider, string name, string statement) =>
        new TestCaseData(provider, statement).SetArgDisplayNames(provider.ToString(), name);

    private static async Task ExecuteAsync(Database database, string sql, object? args = null)
    {
        await using var c = await database.OpenAsync(default);
        await c.ExecuteAsync(sql, args);
    }

    private static async Task AppendRowAndSealAsync(Database database)
    {
        await using (var c = await database.OpenAsync(default))
        {
            await AuditStore.AppendAsync(c, null, Original, default);
        }

        Assert.That(await database.InTransactionAsync((c, tx) => AuditSealStore.TryAppendAsync(c, tx, Seal, default), default), Is.True);
    }
}
