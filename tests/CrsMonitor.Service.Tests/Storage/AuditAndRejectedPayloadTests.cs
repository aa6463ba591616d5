using System.Data.Common;
using CrsMonitor.Service.Storage;
using Dapper;

namespace CrsMonitor.Service.Tests.Storage;

[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
[TestFixture(StorageProvider.SqlServer)]
public sealed class AuditAndRejectedPayloadTests(StorageProvider provider) : StorageContract(provider)
{
    // The tests' own statements: what an operator or a bug might try.
    private const string UpdateAudit = "UPDATE audit_log SET outcome = 'success'";
    private const string DeleteAudit = "DELETE FROM audit_log";
    private const string CountAudit = "SELECT COUNT(*) FROM audit_log";

    private static readonly AuditEntry Denied = new(
        T0, "nurse-1", "nurse", "fhir.read", "Observation", "o1", "p1", "denied", "127.0.0.1", "corr-1", "not on your units");

    [Test]
    public async Task Audit_AppendThenRecent_NewestFirst()
    {
        var later = Denied with { At = T0.AddMinutes(1), Outcome = "success", Detail = null };
        await WithConnection(async c =>
        {
            await AuditStore.AppendAsync(c, null, Denied, default);
            await AuditStore.AppendAsync(c, null, later, default);
            return true;
        });
        Assert.That(await WithConnection(c => AuditStore.RecentAsync(c, 10, default)), Is.EqualTo(new[] { later, Denied }));
    }

    [TestCase(UpdateAudit)]
    [TestCase(DeleteAudit)]
    public async Task Audit_UpdateOrDelete_IsRefusedByTheDatabase(string statement)
    {
        await WithConnection(async c =>
        {
            await AuditStore.AppendAsync(c, null, Denied, default);
            return true;
        });

        Assert.That(async () => await WithConnection(c => c.ExecuteAsync(statement)), Throws.InstanceOf<DbException>());
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await ScalarAsync(CountAudit), Is.EqualTo(1));
            Assert.That((await WithConnection(c => AuditStore.RecentAsync(c, 1, default)))[0], Is.EqualTo(Denied));
        }
    }

    [Test]
    public async Task Audit_OddValues_AreCleanedAndClipped_NeverLost()
    {
        var odd = Denied with { ResourceId = new string('x', 500) + "\0", Action = "fhir.read\0", Detail = "bad \ud800 surrogate" };
        await WithConnection(async c =>
        {
            await AuditStore.AppendAsync(c, null, odd, default);
            return true;
        });
        var stored = (await WithConnection(c => AuditStore.RecentAsync(c, 1, default)))[0];
        Assert.That((stored.ResourceId!.Length, stored.Action, stored.Detail), Is.EqualTo((64, "fhir.read\uFFFD", "bad \uFFFD surrogate")));
    }

    [Test]
    public async Task Audit_InsideARolledBackTransaction_IsGoneWithIt()
    {
        Assert.That(
            async () => await InTransaction<int>(async (c, tx) =>
            {
                await AuditStore.AppendAsync(c, tx, Denied, default);
                throw new InvalidOperationException("write failed");
            }),
            Throws.InvalidOperationException);
        Assert.That(await ScalarAsync(CountAudit), Is.Zero);
    }

    [Test]
    public async Task RejectedPayloads_PurgeDeletesThoseReceivedBeforeTheCutoff()
    {
        var ids = await WithConnection(async c => new[]
        {
            await RejectedPayloadStore.AppendAsync(c, null, Rejected(T0.AddDays(-40)), default),
            await RejectedPayloadStore.AppendAsync(c, null, Rejected(T0.AddDays(-31)), default),
            await RejectedPayloadStore.AppendAsync(c, null, Rejected(T0.AddDays(-30)), default),
            await RejectedPayloadStore.AppendAsync(c, null, Rejected(T0), default),
        });

        var purged = await WithConnection(c => RejectedPayloadStore.PurgeOlderThanAsync(c, T0.AddDays(-30), default));
        var left = await WithConnection(c => RejectedPayloadStore.RecentAsync(c, 10, default));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ids, Is.Ordered.Ascending.And.Unique);
            Assert.That(purged, Is.EqualTo(2));
            Assert.That(left.Select(p => p.Id), Is.EqualTo(new[] { ids[3], ids[2] }));
            Assert.That(left[0].Payload, Is.EqualTo(Rejected(T0)));
        }
    }

    [Test]
    public async Task RejectedPayload_BodyWithNulAndInvalidUtf8_IsKept()
    {
        var body = RejectedPayloadStore.BodyText([0x7B, 0x00, 0xFF, 0x7D]);
        var id = await WithConnection(c => RejectedPayloadStore.AppendAsync(c, null, Rejected(T0) with { Body = body }, default));
        var stored = (await WithConnection(c => RejectedPayloadStore.RecentAsync(c, 1, default)))[0];
        Assert.That((stored.Id, stored.Payload.Body), Is.EqualTo((id, "{\uFFFD\uFFFD}")));
    }

    private static RejectedPayload Rejected(DateTimeOffset at) => new(
        at, "interface-engine", "POST", "/fhir/Observation", "application/fhir+json", 422, """{"resourceType":"Observation"}""",
        """{"resourceType":"OperationOutcome"}""");
}
