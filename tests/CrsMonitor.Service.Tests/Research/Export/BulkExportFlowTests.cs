using System.Net;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Research.Export;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static CrsMonitor.Service.Tests.Alerts.AlertKit;
using static CrsMonitor.Service.Tests.Research.Export.ExportKit;

namespace CrsMonitor.Service.Tests.Research.Export;

/// <summary>
/// The Bulk Data export (IG v2.0.0) of the researcher role over HTTP, with a test double for its content: kick-off →
/// 202 → status 202 while it is built → 200 manifest → the files byte for byte; deletion (a build stopped, the files
/// gone); a content failure → 500; a stale claim taken over; expiry and purge; the audit row of every step. On each
/// provider, one host per fixture (each test mints its own tokens at the host's clock and leaves no export in progress).
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class BulkExportFlowTests(StorageProvider provider)
{
    private readonly TestExportContent content = new();
    private TestDatabase database = null!;
    private ServiceHost host = null!;
    private BuildGate? gate;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = new ServiceHost(database.HostSettings, services =>
        {
            services.AddSingleton<IResearchExportContent>(content);
            WithoutTheHourlyPurge(services);
        });
        host.CreateClient().Dispose();
    }

    /// <summary>
    /// This fixture's host runs no hourly purge: a pass woken by a step of the fake clock may read the clock after a later
    /// step and purge before a test looks (seen once in CI). Tests ask <see cref="ExportPurge"/> themselves; that the
    /// hourly one runs by itself is <see cref="TheHourlyPurge_DeletesAnExpiredExport_Unasked"/>.
    /// </summary>
    private static void WithoutTheHourlyPurge(IServiceCollection services)
    {
        var hosted = services.Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationFactory?.Method.ReturnType == typeof(ExportPurge)).ToList();
        Assert.That(hosted, Has.Count.EqualTo(1), "the purge is registered as one hosted service");
        services.Remove(hosted[0]);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    [SetUp]
    public void ScriptedContent()
    {
        content.Answer(TestExportContent.Scripted);
        while (content.Scopes.TryDequeue(out _))
        {
        }
    }

    [TearDown]
    public async Task NothingLeftInProgressAsync()
    {
        gate?.Release();
        gate = null;
        content.Answer(TestExportContent.Scripted);
        await WaitForNoneInProgressAsync(host);
    }

    [Test]
    public async Task KickOff_Is202_StatusIs202WhileBuilt_Then200WithTheManifest_AndEachFileByteForByte_EachStepAudited()
    {
        using var researcher = Researcher(host, "r-flow");
        Block();
        var kickedOffAt = Instants.Stored(host.Time.GetUtcNow());
        using var kickOff = await KickOffAsync(researcher, "?_type=Observation,AdverseEvent&_outputFormat=application%2Ffhir%2Bndjson");
        Assert.That(kickOff.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await kickOff.Content.ReadAsStringAsync());
        var status = kickOff.Content.Headers.ContentLocation!;
        var id = status.Segments[^1];
        Assert.That(status.ToString(), Is.EqualTo($"{researcher.BaseAddress}fhir/$export-status/{id}"), "absolute, as the client reached the service");

        await WaitUntilAsync(() => Task.FromResult(gate!.Entered == 1), () => "the build started");
        using (var building = await StatusAsync(researcher, id))
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(building.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
                Assert.That(building.Headers.GetValues("X-Progress").Single(), Does.StartWith("running"));
                Assert.That(building.Headers.RetryAfter!.Delta, Is.EqualTo(TimeSpan.FromSeconds(5)));
            }
        }

        gate!.Release();
        var job = await WaitForAsync(host, id, ExportStatus.Completed);
        using var complete = await StatusAsync(researcher, id);
        var manifestText = await complete.Content.ReadAsStringAsync();
        Assert.That(complete.StatusCode, Is.EqualTo(HttpStatusCode.OK), manifestText);
        var manifest = JsonNode.Parse(manifestText)!;
        var fileBase = $"{researcher.BaseAddress}fhir/$export-file/{id}/";
        using (Assert.EnterMultipleScope())
        {
            Assert.That(complete.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/json"));
            Assert.That(complete.Content.Headers.Expires, Is.EqualTo(job.CompletedAt!.Value.AddHours(24)).Within(TimeSpan.FromSeconds(1)));
            Assert.That(manifest["transactionTime"]!.GetValue<string>(), Is.EqualTo(ExportManifest.Instant(kickedOffAt)));
            Assert.That(manifest["request"]!.GetValue<string>(),
                Is.EqualTo($"{researcher.BaseAddress}fhir/$export?_type=Observation,AdverseEvent&_outputFormat=application%2Ffhir%2Bndjson"));
            Assert.That(manifest["requiresAccessToken"]!.GetValue<bool>(), Is.True);
            Assert.That(manifest["error"]!.AsArray(), Is.Empty);
            Assert.That(manifest["output"]!.AsArray().Select(o => (o!["type"]!.GetValue<string>(), o["url"]!.GetValue<string>(), o["count"]!.GetValue<int>())),
                Is.EqualTo(new[]
                {
                    ("AdverseEvent", fileBase + "AdverseEvent-1.ndjson", 3),
                    ("Observation", fileBase + "Observation-1.ndjson", 2),
                    ("Observation", fileBase + "Observation-2.ndjson", 1),
                }), "the types in the content's order, a file per file built, each with its count");
        }

        var expected = new[] { TestExportContent.AdverseEvents, TestExportContent.ObservationsFirst, TestExportContent.ObservationsSecond };
        var outputs = manifest["output"]!.AsArray();
        var fileAnswers = new List<HttpResponseMessage>();
        for (var i = 0; i < outputs.Count; i++)
        {
            var file = await FileAsync(researcher, outputs[i]!["url"]!.GetValue<string>());
            fileAnswers.Add(file);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(file.StatusCode, Is.EqualTo(HttpStatusCode.OK));
                Assert.That(file.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/fhir+ndjson"));
                Assert.That(await file.Content.ReadAsByteArrayAsync(), Is.EqualTo(TestExportContent.FileBytes(expected[i])), "byte for byte");
            }
        }

        var scope = content.Scopes.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(scope.Types, Is.EquivalentTo(new[] { "AdverseEvent", "Observation" }));
            Assert.That(scope.TransactionTime, Is.EqualTo(kickedOffAt), "the data is read as of the kick-off instant");
        }

        var steps = new[] { (kickOff, BulkExportEndpoints.KickOffAction), (complete, BulkExportEndpoints.StatusAction), (fileAnswers[0], BulkExportEndpoints.FileAction) };
        foreach (var (answer, action) in steps)
        {
            var row = (await RowsOfAsync(host, answer)).Single();
            using (Assert.EnterMultipleScope())
            {
                Assert.That((row.Action, row.Outcome, row.Actor, row.Role, row.PatientId, row.ResourceId),
                    Is.EqualTo((action, "success", (string?)"r-flow", (string?)Roles.Researcher, (string?)null, (string?)id)));
            }
        }

        Assert.That((await RowsOfAsync(host, fileAnswers[0])).Single().Detail, Is.EqualTo("AdverseEvent-1.ndjson"));
        Assert.That((await RowsOfAsync(host, kickOff)).Single().Detail, Is.EqualTo("_type=AdverseEvent,Observation"));
        foreach (var file in fileAnswers)
        {
            file.Dispose();
        }
    }

    [Test]
    public async Task KickOff_WithoutType_ExportsEveryType_AndATypeWithNothingToExportHasNoFile()
    {
        using var researcher = Researcher(host, "r-all");
        var (_, id) = await KickedOffAsync(researcher);
        await WaitForAsync(host, id, ExportStatus.Completed);
        var manifest = JsonNode.Parse(await (await StatusAsync(researcher, id)).Content.ReadAsStringAsync())!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(content.Scopes.Single().Types, Is.EquivalentTo(TestExportContent.Types));
            Assert.That(manifest["output"]!.AsArray().Select(o => o!["type"]!.GetValue<string>()), Is.EqualTo(new[] { "AdverseEvent", "Observation", "Observation" }));
            Assert.That(manifest["request"]!.GetValue<string>(), Is.EqualTo($"{researcher.BaseAddress}fhir/$export"));
        }
    }

    [Test]
    public async Task Queued_Is202_SayingSo_WhileTheNodesBuildersAreBusy()
    {
        using var first = Researcher(host, "r-busy-1");
        using var second = Researcher(host, "r-busy-2");
        Block();
        await KickedOffAsync(first);
        await KickedOffAsync(first);
        await WaitUntilAsync(() => Task.FromResult(gate!.Entered == ExportWorker.RunsPerNode), () => "both builders busy");
        var (_, waiting) = await KickedOffAsync(second);

        using var status = await StatusAsync(second, waiting);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(status.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            Assert.That(status.Headers.GetValues("X-Progress").Single(), Does.StartWith("queued"));
            Assert.That((await JobAsync(host, waiting))!.Status, Is.EqualTo(ExportStatus.Queued));
        }

        gate!.Release();
        await WaitForAsync(host, waiting, ExportStatus.Completed);
    }

    [Test]
    public async Task Delete_WhileBuilding_StopsTheBuild_StoresNothing_AndTheExportIsGone()
    {
        using var researcher = Researcher(host, "r-cancel");
        Block();
        var (_, id) = await KickedOffAsync(researcher);
        await WaitUntilAsync(() => Task.FromResult(gate!.Entered == 1), () => "the build started");

        using var deleted = await DeleteAsync(researcher, id);
        Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await deleted.Content.ReadAsStringAsync());
        await WaitUntilAsync(() => Task.FromResult(gate!.Cancelled == 1), () => "the build cancelled");
        gate!.Release();

        using (Assert.EnterMultipleScope())
        {
            Assert.That((await JobAsync(host, id))!.Status, Is.EqualTo(ExportStatus.Cancelled));
            Assert.That(await FileCountAsync(host, id), Is.Zero);
            Assert.That(await RefusedAsync(await StatusAsync(researcher, id), 404), Is.EqualTo(new[] { "$export-status" }));
            Assert.That(await RefusedAsync(await DeleteAsync(researcher, id), 404), Is.EqualTo(new[] { "$export-status" }), "deleted once");
            Assert.That((await RowsOfAsync(host, deleted)).Single(), Has.Property("Action").EqualTo(BulkExportEndpoints.DeleteAction)
                .And.Property("Outcome").EqualTo("success").And.Property("ResourceId").EqualTo(id).And.Property("PatientId").Null);
        }
    }

    [Test]
    public async Task Delete_OfACompletedExport_DeletesItsFiles()
    {
        using var researcher = Researcher(host, "r-delete-done");
        var (_, id) = await KickedOffAsync(researcher, "?_type=AdverseEvent");
        await WaitForAsync(host, id, ExportStatus.Completed);
        var url = $"/fhir/$export-file/{id}/AdverseEvent-1.ndjson";
        Assert.That((await FileAsync(researcher, url)).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        Assert.That((await DeleteAsync(researcher, id)).StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await FileCountAsync(host, id), Is.Zero);
            Assert.That(await RefusedAsync(await FileAsync(researcher, url), 404), Is.EqualTo(new[] { "$export-file" }));
            Assert.That(await RefusedAsync(await StatusAsync(researcher, id), 404), Is.EqualTo(new[] { "$export-status" }));
        }
    }

    [Test]
    public async Task AContentFailure_Is500WithItsMessage_NoStackTrace_AndNoFiles()
    {
        using var researcher = Researcher(host, "r-fail");
        content.Answer((_, _) => throw new InvalidOperationException("The episode table could not be read"));
        var (_, id) = await KickedOffAsync(researcher);
        await WaitForAsync(host, id, ExportStatus.Failed);

        using var status = await StatusAsync(researcher, id);
        var text = await status.Content.ReadAsStringAsync();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(status.StatusCode, Is.EqualTo(HttpStatusCode.InternalServerError), text);
            Assert.That(await DiagnosticsAsync(status), Is.EqualTo($"Export {id} failed: The episode table could not be read"));
            Assert.That(text, Does.Not.Contain(" at ").And.Not.Contain("InvalidOperationException"), "no stack trace, no exception type");
            Assert.That(await RefusedAsync(await FileAsync(researcher, $"/fhir/$export-file/{id}/AdverseEvent-1.ndjson"), 404), Is.Not.Empty);
            Assert.That((await RowsOfAsync(host, status)).Single().Action, Is.EqualTo(BulkExportEndpoints.StatusAction));
        }
    }

    [TestCase("Observation", """{"resourceType":"Observation",\n"id":"x"}""", "line 1, holds a line break")]
    [TestCase("Observation", """{"resourceType":"AdverseEvent","id":"x"}""", "line 1, is not a Observation resource")]
    [TestCase("Observation", "not json", "line 1, is not JSON")]
    [TestCase("Patient", """{"resourceType":"Patient","id":"x"}""", "type 'Patient', which this export did not ask for")]
    public async Task ContentBreakingTheNdjsonContract_FailsTheExport_NamingTheFileAndLine(string type, string line, string named)
    {
        using var researcher = Researcher(host, "r-contract");
        var lines = new[] { line.Replace("\\n", "\n", StringComparison.Ordinal) };
        content.Answer((_, _) => Task.FromResult<IReadOnlyList<ExportFile>>([new ExportFile(type, lines)]));
        var (_, id) = await KickedOffAsync(researcher);
        var job = await WaitForAsync(host, id, ExportStatus.Failed);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(job.Error, Does.Contain(named));
            Assert.That(await FileCountAsync(host, id), Is.Zero);
        }
    }

    [Test]
    public async Task AnotherResearcher_Gets404_OnStatusDeleteAndFiles_WordForWordAsForAnUnknownExport()
    {
        using var owner = Researcher(host, "r-owner");
        using var other = Researcher(host, "r-other");
        var (_, id) = await KickedOffAsync(owner, "?_type=AdverseEvent");
        await WaitForAsync(host, id, ExportStatus.Completed);
        var unknown = Guid.NewGuid().ToString("N");

        foreach (var (theirs, nobodys) in new[]
        {
            (await StatusAsync(other, id), await StatusAsync(other, unknown)),
            (await DeleteAsync(other, id), await DeleteAsync(other, unknown)),
            (await FileAsync(other, $"/fhir/$export-file/{id}/AdverseEvent-1.ndjson"), await FileAsync(other, $"/fhir/$export-file/{unknown}/AdverseEvent-1.ndjson")),
        })
        {
            Assert.That(await RefusedAsync(theirs, 404), Is.EqualTo(await RefusedAsync(nobodys, 404)));
            Assert.That((await DiagnosticsAsync(theirs)).Replace(id, "ID", StringComparison.Ordinal),
                Is.EqualTo((await DiagnosticsAsync(nobodys)).Replace(unknown, "ID", StringComparison.Ordinal)), "no existence leak");
            Assert.That((await RowsOfAsync(host, theirs)).Single().Outcome, Is.EqualTo("error"));
        }

        using var stillThere = await StatusAsync(owner, id);
        Assert.That(stillThere.StatusCode, Is.EqualTo(HttpStatusCode.OK), "another researcher's DELETE changed nothing");
    }

    [Test]
    public async Task AnExportPastItsExpiry_Is404AtOnce_AndThePurgeDeletesItAndItsFiles()
    {
        using (var researcher = Researcher(host, "r-expiry"))
        {
            var (_, id) = await KickedOffAsync(researcher, "?_type=AdverseEvent");
            await WaitForAsync(host, id, ExportStatus.Completed);
            host.Time.Advance(TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1));
            using var later = Researcher(host, "r-expiry");
            Assert.That((await StatusAsync(later, id)).StatusCode, Is.EqualTo(HttpStatusCode.OK), "kept for ResearchExport:RetentionHours");
            host.Time.Advance(TimeSpan.FromSeconds(1));

            using var expired = Researcher(host, "r-expiry");
            using (Assert.EnterMultipleScope())
            {
                Assert.That(await RefusedAsync(await StatusAsync(expired, id), 404), Is.EqualTo(new[] { "$export-status" }));
                Assert.That(await RefusedAsync(await FileAsync(expired, $"/fhir/$export-file/{id}/AdverseEvent-1.ndjson"), 404), Is.EqualTo(new[] { "$export-file" }));
                Assert.That(await RefusedAsync(await DeleteAsync(expired, id), 404), Is.EqualTo(new[] { "$export-status" }));
            }

            Assert.That(await JobAsync(host, id), Is.Not.Null, "404 by its expiry, before any purge");
            Assert.That(await host.Services.GetRequiredService<ExportPurge>().PurgeOnceAsync(CancellationToken.None), Is.GreaterThanOrEqualTo(1));
            using (Assert.EnterMultipleScope())
            {
                Assert.That(await JobAsync(host, id), Is.Null);
                Assert.That(await FileCountAsync(host, id), Is.Zero);
            }
        }
    }

    [Test]
    public async Task TheHourlyPurge_DeletesAnExpiredExport_Unasked()
    {
        await using var own = await TestDatabase.CreateAsync(provider);
        await using var purging = new ServiceHost(own.HostSettings, services => services.AddSingleton<IResearchExportContent>(new TestExportContent()));
        using var researcher = Researcher(purging, "r-hourly");
        var (_, id) = await KickedOffAsync(researcher, "?_type=AdverseEvent");
        await WaitForAsync(purging, id, ExportStatus.Completed);
        Assert.That(await FileCountAsync(purging, id), Is.Positive);

        purging.Time.Advance(TimeSpan.FromHours(25));
        await WaitUntilAsync(async () => await JobAsync(purging, id) is null && await FileCountAsync(purging, id) == 0, () => $"export {id} purged by the hourly pass");
    }

    [Test]
    public async Task ARunningExportWhoseClaimWentStale_IsBuiltByThisNode_AFreshClaimIsLeftAlone()
    {
        using var researcher = Researcher(host, "r-stale");
        var now = Instants.Stored(host.Time.GetUtcNow());
        var stale = Guid.NewGuid().ToString("N");
        var fresh = Guid.NewGuid().ToString("N");
        await using (var connection = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None))
        {
            const string Insert = """
                INSERT INTO research_export (id, requested_by, request_url, types, status, requested_at, transaction_time, claimed_by, claimed_at)
                VALUES (@Id, 'r-stale', 'http://localhost/fhir/$export', 'AdverseEvent', 'running', @At, @At, @ClaimedBy, @ClaimedAt)
                """;
            await connection.ExecuteAsync(Insert, new { Id = stale, At = now.AddMinutes(-20), ClaimedBy = "dead-node/1", ClaimedAt = now.AddMinutes(-10).AddTicks(-10) });
            await connection.ExecuteAsync(Insert, new { Id = fresh, At = now.AddMinutes(-20), ClaimedBy = "live-node/1", ClaimedAt = now.AddMinutes(-9) });
        }

        host.Services.GetRequiredService<ExportWorker>().Wake();
        var job = await WaitForAsync(host, stale, ExportStatus.Completed);
        var worker = host.Services.GetRequiredService<ExportWorker>();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(job.ClaimedBy, Does.StartWith(worker.NodeName + "/"));
            Assert.That(await FileCountAsync(host, stale), Is.EqualTo(1));
            Assert.That(content.Scopes.Single().TransactionTime, Is.EqualTo(now.AddMinutes(-20)), "as of its own kick-off, not the take-over");
            Assert.That((await JobAsync(host, fresh))!.ClaimedBy, Is.EqualTo("live-node/1"), "a claim refreshed within ResearchExport:ClaimTimeoutMinutes is its node's");
        }

        Assert.That((await DeleteAsync(researcher, fresh)).StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
    }

    [Test]
    public async Task KickOffs_Beyond_MaxConcurrentPerRequester_Are429_OthersAreNotHeldUp()
    {
        using var busy = Researcher(host, "r-many");
        using var other = Researcher(host, "r-few");
        Block();
        var (_, first) = await KickedOffAsync(busy);
        await KickedOffAsync(busy);

        using var refused = await KickOffAsync(busy);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await RefusedAsync(refused, 429), Is.EqualTo(new[] { "$export" }));
            Assert.That(refused.Headers.RetryAfter!.Delta, Is.EqualTo(TimeSpan.FromSeconds(BulkExportEndpoints.BusyRetryAfterSeconds)));
            Assert.That(await DiagnosticsAsync(refused), Does.Contain("ResearchExport:MaxConcurrentPerRequester"));
            Assert.That((await RowsOfAsync(host, refused)).Single(), Has.Property("Action").EqualTo(BulkExportEndpoints.KickOffAction).And.Property("ResourceId").Null);
        }

        await KickedOffAsync(other);
        Assert.That((await DeleteAsync(busy, first)).StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        await KickedOffAsync(busy);
    }

    [Test]
    public async Task ConcurrentKickOffs_OfOneResearcher_NeverPassTheLimitTogether()
    {
        using var researcher = Researcher(host, "r-race");
        Block();
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => KickOffAsync(researcher)));
        var codes = answers.Select(a => (int)a.StatusCode).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(codes.Count(c => c == 202), Is.EqualTo(2), string.Join(",", codes));
            Assert.That(codes.Count(c => c == 429), Is.EqualTo(6), string.Join(",", codes));
        }

        foreach (var answer in answers)
        {
            answer.Dispose();
        }
    }

    /// <summary>The next builds block until the test (or the tear-down) releases them.</summary>
    private void Block()
    {
        gate = new BuildGate();
        content.Answer(gate.BuildAsync);
    }
}
