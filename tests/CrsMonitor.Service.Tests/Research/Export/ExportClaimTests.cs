using CrsMonitor.Service.Research.Export;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;

namespace CrsMonitor.Service.Tests.Research.Export;

/// <summary>
/// The claim is a conditional UPDATE: of workers racing for one queued export exactly one wins, and a finished export's
/// status is changed only by the claim it runs under (a worker whose claim was taken over, or whose export was deleted,
/// changes nothing). On each provider, on the store alone (no worker in the way).
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class ExportClaimTests(StorageProvider provider)
{
    private static readonly DateTimeOffset Now = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private TestDatabase database = null!;

    [SetUp]
    public async Task CreateAsync() => database = await TestDatabase.CreateAsync(provider);

    [TearDown]
    public Task DropAsync() => database.DisposeAsync().AsTask();

    [Test]
    public async Task WorkersRacingForOneExport_ExactlyOneWins()
    {
        var id = await QueueAsync("r-race");
        var won = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            await using var connection = await database.Database.OpenAsync(CancellationToken.None);
            return await ExportStore.TryClaimAsync(connection, id, $"node-{i}/claim", Now, Now.AddMinutes(-10), CancellationToken.None);
        }));
        Assert.That(won.Count(w => w), Is.EqualTo(1));
    }

    [Test]
    public async Task OnlyTheCurrentClaim_Refreshes_Completes_Fails_OrReleases()
    {
        var id = await QueueAsync("r-claims");
        await using var connection = await database.Database.OpenAsync(CancellationToken.None);
        Assert.That(await ExportStore.TryClaimAsync(connection, id, "dead/1", Now, Now.AddMinutes(-10), CancellationToken.None), Is.True);
        Assert.That(await ExportStore.TryClaimAsync(connection, id, "other/1", Now, Now.AddMinutes(-10), CancellationToken.None), Is.False, "a fresh claim is its node's");
        var later = Now.AddMinutes(11);
        Assert.That(await ExportStore.TryClaimAsync(connection, id, "live/1", later, later.AddMinutes(-10), CancellationToken.None), Is.True, "a stale claim is taken over");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await ExportStore.RefreshClaimAsync(connection, id, "dead/1", later, CancellationToken.None), Is.False);
            Assert.That(await ExportStore.TryFailAsync(connection, id, "dead/1", "late", later, later, CancellationToken.None), Is.False);
            Assert.That(await ExportStore.ReleaseAsync(connection, id, "dead/1", CancellationToken.None), Is.False);
            Assert.That(await ExportStore.TryCompleteAsync(database.Database, id, "dead/1", later, later.AddHours(24), [File()], CancellationToken.None), Is.False);
            Assert.That(await ExportStore.RefreshClaimAsync(connection, id, "live/1", later, CancellationToken.None), Is.True);
        }

        Assert.That(await ExportStore.TryCompleteAsync(database.Database, id, "live/1", later, later.AddHours(24), [File()], CancellationToken.None), Is.True);
        var job = await ExportStore.FindAsync(connection, id, CancellationToken.None);
        using (Assert.EnterMultipleScope())
        {
            Assert.That((job!.Status, job.CompletedAt, job.ExpiresAt), Is.EqualTo((ExportStatus.Completed, (DateTimeOffset?)later, (DateTimeOffset?)later.AddHours(24))));
            Assert.That(await ExportFileStore.ListAsync(connection, id, CancellationToken.None), Is.EqualTo(new[] { new StoredExportFile("AdverseEvent-1.ndjson", "AdverseEvent", 1) }));
            Assert.That(await ExportFileStore.ReadAsync(connection, id, "AdverseEvent-1.ndjson", CancellationToken.None), Is.EqualTo(File().Content));
        }
    }

    [Test]
    public async Task ACancelledExport_CannotBeCompletedByItsBuilder()
    {
        var id = await QueueAsync("r-cancel");
        await using var connection = await database.Database.OpenAsync(CancellationToken.None);
        Assert.That(await ExportStore.TryClaimAsync(connection, id, "n/1", Now, Now.AddMinutes(-10), CancellationToken.None), Is.True);
        Assert.That(await ExportStore.TryCancelAsync(database.Database, id, "someone-else", Now, CancellationToken.None), Is.False, "only its researcher deletes it");
        Assert.That(await ExportStore.TryCancelAsync(database.Database, id, "r-cancel", Now, CancellationToken.None), Is.True);
        Assert.That(await ExportStore.TryCompleteAsync(database.Database, id, "n/1", Now, Now.AddHours(24), [File()], CancellationToken.None), Is.False);
        Assert.That(await ExportFileStore.ListAsync(connection, id, CancellationToken.None), Is.Empty);
        Assert.That(await ExportStore.PurgeExpiredAsync(database.Database, Now, CancellationToken.None), Is.EqualTo(1), "a deleted export's row goes at the next purge");
    }

    private static NamedExportFile File() => new("AdverseEvent-1.ndjson", "AdverseEvent", 1, "{\"resourceType\":\"AdverseEvent\",\"id\":\"ü\"}\n");

    private async Task<string> QueueAsync(string requester)
    {
        var id = Guid.NewGuid().ToString("N");
        var job = new ExportJob(id, requester, "http://localhost/fhir/$export", ["AdverseEvent"], ExportStatus.Queued, Now, Now, null, null, null, null, null);
        Assert.That(await ExportStore.TryQueueAsync(database.Database, job, 2, CancellationToken.None), Is.True);
        return id;
    }
}
