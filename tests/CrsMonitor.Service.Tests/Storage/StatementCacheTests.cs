using System.Data.Common;
using CrsMonitor.Service.Storage;
using Dapper;
using Microsoft.Data.Sqlite;

namespace CrsMonitor.Service.Tests.Storage;

/// <summary>
/// The SQLite writer's connection keeps the statements it compiles (<see cref="StatementCachingConnection"/>): Dapper's
/// calls through it behave as on a plain connection, and a statement run again is not compiled again.
/// </summary>
public sealed class StatementCacheTests
{
    [Test]
    public async Task WritesRepeatedInTransactions_CompileEachStatementOnce_AndReadBackWhatWasWritten()
    {
        await using var file = new ScratchFile();
        await using var c = await file.OpenAsync("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, at TEXT)");
        var compiledBefore = c.Compiled;

        for (var i = 0; i < 50; i++)
        {
            await using var tx = await c.BeginTransactionAsync();
            await c.ExecuteAsync("INSERT INTO t (id, name, at) VALUES (@Id, @Name, @At)", new { Id = i, Name = $"n{i}", At = (string?)null }, tx);
            Assert.That(await c.ExecuteScalarAsync<string>("SELECT name FROM t WHERE id = @Id", new { Id = i }, tx), Is.EqualTo($"n{i}"));
            await tx.CommitAsync();
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(c.Compiled - compiledBefore, Is.EqualTo(2), "one INSERT and one SELECT, each compiled once");
            Assert.That(await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM t"), Is.EqualTo(50));
        }
    }

    [Test]
    public async Task ParametersNamedWithoutPrefix_BindToTheirOwnName_WhateverPrefixTheStatementUses_AndNotToALongerOne()
    {
        // Dapper names parameters without their prefix; the connection binds them by the name the statement holds.
        await using var file = new ScratchFile();
        await using var c = await file.OpenAsync("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT)");

        for (var round = 0; round < 3; round++)
        {
            await c.ExecuteAsync("DELETE FROM t");
            await c.ExecuteAsync("INSERT INTO t (id, a, b) VALUES (@Id, @IdText, @Idle)", new { Id = 1, IdText = "one", Idle = "idle" });
            await c.ExecuteAsync("INSERT INTO t (id, a, b) VALUES ($Id, :Name, @Name2)", new { Id = 2, Name = "colon", Name2 = "at" });
            var rows = (await c.QueryAsync<(long, string, string)>("SELECT id, a, b FROM t WHERE id IN (@Id, @Id2) ORDER BY id", new { Id = 1, Id2 = 2 })).ToList();
            Assert.That(rows, Is.EqualTo(new[] { (1L, "one", "idle"), (2L, "colon", "at") }), $"round {round}");
        }
    }

    [Test]
    public async Task ExpandedInList_TakesItsParametersToTheRewrittenText()
    {
        await using var file = new ScratchFile();
        await using var c = await file.OpenAsync("CREATE TABLE t (id INTEGER PRIMARY KEY, kind TEXT); INSERT INTO t (id, kind) VALUES (1, 'a'), (2, 'b'), (3, 'c')");

        for (var round = 0; round < 3; round++)
        {
            var two = await c.QueryAsync<long>("SELECT id FROM t WHERE kind IN @Kinds AND id > @Min ORDER BY id", new { Kinds = new[] { "a", "c" }, Min = 0 });
            var one = await c.QueryAsync<long>("SELECT id FROM t WHERE kind IN @Kinds AND id > @Min ORDER BY id", new { Kinds = new[] { "b" }, Min = 1 });
            using (Assert.EnterMultipleScope())
            {
                Assert.That(two, Is.EqualTo(new long[] { 1, 3 }));
                Assert.That(one, Is.EqualTo(new long[] { 2 }));
            }
        }
    }

    [Test]
    public async Task SameStatement_WhileItsReaderIsOpen_RunsOnASecondCompiledCommand()
    {
        await using var file = new ScratchFile();
        await using var c = await file.OpenAsync("CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t (id) VALUES (1), (2)");

        const string sql = "SELECT id FROM t WHERE id >= @Min ORDER BY id";
        var outer = new List<long>();
        var inner = new List<long>();
        await using (var reader = await c.ExecuteReaderAsync(sql, new { Min = 1 }))
        {
            while (await reader.ReadAsync())
            {
                outer.Add(reader.GetInt64(0));
                inner.AddRange(await c.QueryAsync<long>(sql, new { Min = 2 }));
            }
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outer, Is.EqualTo(new long[] { 1, 2 }));
            Assert.That(inner, Is.EqualTo(new long[] { 2, 2 }));
        }
    }

    [Test]
    public async Task FailedStatement_LeavesItsCompiledCommandUsable()
    {
        await using var file = new ScratchFile();
        await using var c = await file.OpenAsync("CREATE TABLE t (id INTEGER PRIMARY KEY)");
        const string insert = "INSERT INTO t (id) VALUES (@Id)";
        await c.ExecuteAsync(insert, new { Id = 1 });

        Assert.That(async () => await c.ExecuteAsync(insert, new { Id = 1 }), Throws.InstanceOf<SqliteException>());
        await c.ExecuteAsync(insert, new { Id = 2 });
        Assert.That(await c.QueryAsync<long>("SELECT id FROM t ORDER BY id"), Is.EqualTo(new long[] { 1, 2 }));
    }

    [Test]
    public async Task Database_SqliteWriter_KeepsItsConnection_FromGroupToGroup()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        var connections = new HashSet<DbConnection>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < 3; i++)
        {
            await db.Database.InTransactionAsync(
                (c, tx) =>
                {
                    connections.Add(c);
                    return c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM reading", transaction: tx);
                },
                default);
        }

        Assert.That(connections.Single(), Is.InstanceOf<StatementCachingConnection>());
    }

    [Test]
    public async Task ReadingsReadByHand_GiveTheirCommandBack_SoItIsCompiledOnce()
    {
        // Dapper's ExecuteReaderAsync reader does not dispose its command on DisposeAsync: read that way, each read left a
        // command for the finalizer and compiled a new one.
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        await using var c = new StatementCachingConnection(db.ConnectionString);
        await c.OpenAsync();
        await ReadingStore.SearchAsync(c, null, "p-1", null, null, null, default);
        var compiled = c.Compiled;
        for (var i = 0; i < 20; i++)
        {
            await ReadingStore.SearchAsync(c, null, "p-1", null, null, null, default);
        }

        Assert.That(c.Compiled, Is.EqualTo(compiled));
    }

    /// <summary>A SQLite file of its own, deleted with its WAL.</summary>
    private sealed class ScratchFile : IAsyncDisposable
    {
        private readonly string path = Path.Combine(Path.GetTempPath(), $"crs-statements-{Guid.NewGuid():N}.db");

        public string ConnectionString => new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ConnectionString;

        /// <summary>An open writer's connection to the file, with <paramref name="schema"/> run.</summary>
        public async Task<StatementCachingConnection> OpenAsync(string schema)
        {
            var c = new StatementCachingConnection(ConnectionString);
            await c.OpenAsync();
            await c.ExecuteAsync(schema);
            return c;
        }

        public ValueTask DisposeAsync()
        {
            foreach (var suffix in new[] { string.Empty, "-wal", "-shm" })
            {
                File.Delete(path + suffix);
            }

            return ValueTask.CompletedTask;
        }
    }
}
