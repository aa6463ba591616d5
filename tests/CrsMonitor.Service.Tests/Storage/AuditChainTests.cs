using CrsMonitor.Service.Storage;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CrsMonitor.Service.Tests.Storage;

/// <summary>
/// The hash chain and the <c>verify-audit</c> verb: untouched, the chain verifies; when the owner of the tables (or on
/// SQLite anyone with the file) gets round the append-only triggers and changes, deletes or slips in a sealed row, or
/// changes or removes a seal, the verb exits 1 naming the first row or seal that does not match.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
[TestFixture(StorageProvider.SqlServer)]
public sealed class AuditChainTests(StorageProvider provider) : StorageContract(provider)
{
    private readonly FakeTimeProvider time = new(T0);

    [Test]
    public async Task Untouched_Verifies_CountingRowsSealsAndNewerRows()
    {
        await AppendAsync(25);
        var seals = await Sealer().SealOnceAsync(default);
        await AppendAsync(2);

        var (code, output) = Verify();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(seals, Is.EqualTo(3));
            Assert.That(code, Is.EqualTo(AuditVerifyCommand.Verified), output);
            Assert.That(output, Does.StartWith("audit verified: 25 rows, 3 seals; 2 newer rows not yet sealed; last seal 3 hash "));
        }
    }

    [Test]
    public async Task NothingYet_Verifies()
    {
        var (code, output) = Verify();
        Assert.That((code, output.Trim()), Is.EqualTo((AuditVerifyCommand.Verified, "audit verified: 0 rows, 0 seals")));
    }

    [Test]
    public async Task ASecondPass_ContinuesTheChain()
    {
        await AppendAsync(5);
        var sealer = Sealer();
        await sealer.SealOnceAsync(default);
        await AppendAsync(5);
        Assert.That(await sealer.SealOnceAsync(default), Is.EqualTo(1));
        Assert.That(Verify(), Is.EqualTo((AuditVerifyCommand.Verified, $"audit verified: 10 rows, 2 seals; last seal 2 hash {await LastHashAsync()}{Environment.NewLine}")));
    }

    [Test]
    public async Task AlteredRow_IsNamed()
    {
        await SealedAsync(25);
        await TamperAsync("audit_log", "UPDATE audit_log SET detail = 'edited' WHERE id = 17");
        Assert.That(Verify(), Is.EqualTo((AuditVerifyCommand.NotVerified, $"audit NOT verified: row 17 (sealed by seal 2) does not match its seal: it was altered after sealing{Environment.NewLine}")));
    }

    [Test]
    public async Task DeletedRow_IsNamed()
    {
        await SealedAsync(25);
        await TamperAsync("audit_log", "DELETE FROM audit_log WHERE id = 7");
        Assert.That(Verify().Output, Does.StartWith("audit NOT verified: row 7 (sealed by seal 1) is missing: it was deleted after sealing"));
    }

    [Test]
    public async Task RowSlippedIntoTheSealedRange_IsNamed()
    {
        await SealedAsync(25);
        var insert = $"INSERT INTO audit_log (id, at, action, outcome) {(Provider == StorageProvider.Postgres ? "OVERRIDING SYSTEM VALUE " : string.Empty)}VALUES (0, @At, 'forged', 'success')";
        await TamperAsync("audit_log", Provider == StorageProvider.SqlServer ? $"SET IDENTITY_INSERT audit_log ON; {insert}; SET IDENTITY_INSERT audit_log OFF" : insert);
        Assert.That(Verify().Output, Does.StartWith("audit NOT verified: row 0 is inside seal 1's range but not in it: it was inserted after sealing"));
    }

    [Test]
    public async Task AlteredSeal_IsNamed()
    {
        await SealedAsync(25);
        await TamperAsync("audit_seal", "UPDATE audit_seal SET row_digests = @Digests WHERE seq = 2", new { Digests = "11:00000000000000000000000000000000\n" });
        Assert.That(Verify().Output, Does.StartWith("audit NOT verified: seal 2 does not match its hash: the seal was altered"));
    }

    [Test]
    public async Task RemovedSeal_IsNamed()
    {
        await SealedAsync(25);
        await TamperAsync("audit_seal", "DELETE FROM audit_seal WHERE seq = 2");
        Assert.That(Verify().Output, Does.StartWith("audit NOT verified: seal 2 is missing (seal 3 follows seal 1)"));
    }

    [Test]
    public async Task RowCommittedLate_WithALowerId_IsSealedAfterTheSettleDelay_NotSealedAround()
    {
        // Ids are not commit-ordered on PostgreSQL and SQL Server: a transaction takes id 1 and commits after id 2 did.
        if (Provider == StorageProvider.Sqlite)
        {
            Assert.Ignore("SQLite has one writer: ids commit in order");
        }

        await using var slow = await Database.OpenAsync(default);
        await using var slowTx = await slow.BeginTransactionAsync();
        await AuditStore.AppendAsync(slow, slowTx, Entry(1), default);
        await AppendAsync(1);

        var sealer = Sealer(settleSeconds: 60);
        var beforeSettling = await sealer.SealOnceAsync(default);
        await slowTx.CommitAsync();
        time.Advance(TimeSpan.FromSeconds(60));
        var afterSettling = await sealer.SealOnceAsync(default);

        using (Assert.EnterMultipleScope())
        {
            Assert.That((beforeSettling, afterSettling), Is.EqualTo((0, 1)));
            Assert.That(Verify().Output, Does.StartWith("audit verified: 2 rows, 1 seals"));
        }
    }

    [Test]
    public async Task RowCommittedLate_WithoutASettleDelay_IsReportedAsSlippedIn()
    {
        // Why the settle delay exists: sealing what is visible at once seals around a transaction still in flight.
        if (Provider == StorageProvider.Sqlite)
        {
            Assert.Ignore("SQLite has one writer: ids commit in order");
        }

        await using var slow = await Database.OpenAsync(default);
        await using var slowTx = await slow.BeginTransactionAsync();
        await AuditStore.AppendAsync(slow, slowTx, Entry(1), default);
        await AppendAsync(1);
        Assert.That(await Sealer(settleSeconds: 0).SealOnceAsync(default), Is.EqualTo(1));
        await slowTx.CommitAsync();

        Assert.That(Verify().Output, Does.Match(@"^audit NOT verified: row \d+ is inside seal 1's range but not in it"));
    }

    [Test]
    public async Task Sealer_SealsOnlyRowsSeenAtLeastTheSettleDelayAgo()
    {
        await AppendAsync(3);
        var sealer = Sealer(settleSeconds: 60);
        Assert.That(await sealer.SealOnceAsync(default), Is.Zero);
        await AppendAsync(2);
        time.Advance(TimeSpan.FromSeconds(60));
        Assert.That(await sealer.SealOnceAsync(default), Is.EqualTo(1));
        Assert.That(Verify().Output, Does.StartWith("audit verified: 3 rows, 1 seals; 2 newer rows not yet sealed"));
    }

    private static AuditEntry Entry(int i) =>
        new(T0.AddSeconds(i), $"user-{i}", "nurse", "fhir.read", "Observation", $"o{i}", "p1", "success", "127.0.0.1", $"corr-{i}", i % 3 == 0 ? null : $"detail {i}");

    private AuditSealer Sealer(int settleSeconds = 0) =>
        new(Database, Options.Create(new StorageSettings { AuditSealSettleSeconds = settleSeconds, AuditSealBatchRows = 10 }), time, NullLogger<AuditSealer>.Instance);

    private async Task AppendAsync(int count)
    {
        await using var c = await Database.OpenAsync(default);
        for (var i = 0; i < count; i++)
        {
            await AuditStore.AppendAsync(c, null, Entry(i), default);
        }
    }

    private async Task SealedAsync(int rows)
    {
        await AppendAsync(rows);
        await Sealer().SealOnceAsync(default);
        Assert.That(Verify().Code, Is.EqualTo(AuditVerifyCommand.Verified), "untouched");
    }

    private Task<string> LastHashAsync() => WithConnection(async c => (await AuditSealStore.LastAsync(c, null, default))!.Hash);

    /// <summary>What the owner can do (on SQLite anyone with the file): take the triggers away, change the table, put them back or not.</summary>
    private Task<int> TamperAsync(string table, string dml, object? args = null)
    {
        var sql = Provider switch
        {
            StorageProvider.Sqlite => string.Concat(
                string.Join(string.Empty, TriggersOf(table).Select(t => $"DROP TRIGGER {t}; ")), dml),
            StorageProvider.Postgres => $"ALTER TABLE {table} DISABLE TRIGGER ALL; {dml}; ALTER TABLE {table} ENABLE TRIGGER ALL",
            _ => $"DISABLE TRIGGER ALL ON {table}; {dml}; ENABLE TRIGGER ALL ON {table}",
        };
        return WithConnection(c => c.ExecuteAsync(sql, args ?? new { At = T0 }));
    }

    private static IEnumerable<string> TriggersOf(string table) => table == "audit_log"
        ? ["tr_audit_log_no_update", "tr_audit_log_no_delete", "tr_audit_log_no_replace", "tr_audit_log_positive_id"]
        : ["tr_audit_seal_no_update", "tr_audit_seal_no_delete", "tr_audit_seal_no_replace", "tr_audit_seal_positive_seq"];

    private (int Code, string Output) Verify()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = Provider.ToString(),
            ["Storage:ConnectionString"] = Database.ConnectionString,
        }).Build();
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = AuditVerifyCommand.Run(configuration, stdout, stderr);
        return (code, stdout.ToString() + stderr);
    }
}
