using CrsMonitor.Service.Storage;
using Dapper;

namespace CrsMonitor.Service.Tests.Storage;

/// <summary>The re-grading lock of a patient is held until the transaction ends (server providers; SQLite needs none).</summary>
[TestFixture(StorageProvider.Postgres)]
[TestFixture(StorageProvider.SqlServer)]
public sealed class PatientLockTests(StorageProvider provider) : StorageContract(provider)
{
    // The tests' own probes: try the same lock without waiting.
    private const string TryPostgres = "SELECT pg_try_advisory_xact_lock(hashtextextended(@Resource, 0))";
    private const string TrySqlServer = """
        DECLARE @result int;
        EXEC @result = sp_getapplock @Resource = @Resource, @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = 0;
        SELECT CASE WHEN @result >= 0 THEN 1 ELSE 0 END;
        """;

    [Test]
    public async Task LockPatient_IsHeldUntilCommit_OnlyForThatPatient()
    {
        await using var holder = await Database.OpenAsync(default);
        await using var holding = await holder.BeginTransactionAsync();
        await GradeStore.LockPatientAsync(holder, holding, "p1", default);

        var whileHeld = await TryLockAsync("p1");
        var otherPatient = await TryLockAsync("p2");
        await holding.CommitAsync();
        var afterCommit = await TryLockAsync("p1");

        Assert.That((whileHeld, otherPatient, afterCommit), Is.EqualTo((false, true, true)));
    }

    private Task<bool> TryLockAsync(string patientId) => InTransaction(async (c, tx) =>
        await c.ExecuteScalarAsync<int>(Provider == StorageProvider.Postgres ? TryPostgres : TrySqlServer,
            new { Resource = $"crsmonitor-patient:{patientId}" }, tx) == 1);
}
