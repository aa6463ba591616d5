using System.Net;
using CrsMonitor.Service.Alerts;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Alerts.AlertKit;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;
using static CrsMonitor.Service.Tests.Monitoring.Schedule.MonitoringHost;

namespace CrsMonitor.Service.Tests.Alerts;

/// <summary>
/// A hub connection lives no longer than its token: closed once the token's exp plus the bearer validation's clock skew
/// has passed on the service's clock (the fake one here), so an alert raised afterwards does not reach it; the client
/// reconnects with a fresh token and Resume replays what it missed. Every Resume is an audit row, like an HTTP read.
/// </summary>
public sealed class HubSessionTests
{
    private TestDatabase database = null!;
    private ServiceHost host = null!;
    private HttpClient integration = null!;

    [SetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        host = Listening(database, Day);
        integration = FreshClient(host, "integration");
        await AdmitAsync(integration, "p-one", West);
        await AdmitAsync(integration, "p-two", West);
    }

    [TearDown]
    public async Task StopAsync()
    {
        integration.Dispose();
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    [Test]
    public async Task AConnection_EndsWhenItsTokenExpires_OnTheServiceClockWithTheSkew_AndAFreshTokenResumesWhatItMissed()
    {
        // The token verb stamps iat = now (Day) on the fake clock: exp = Day + 10 min, refused after Day + 11 min (skew 1 min).
        var expiring = host.Token("--role", "nurse", "--unit", West, "--minutes", "10", "--sub", "nurse-short");
        await using var shortLived = await AlertListener.ConnectAsync(host, expiring);
        await using var longLived = await AlertListener.ConnectAsync(host, host.Token("--role", "nurse", "--unit", West, "--minutes", "60"));

        await ObservationAsync(integration, Temperature("p-one", 38.4m, "Cel", Day.AddMinutes(-1)));
        await shortLived.WaitForAlertAsync(e => e is { Kind: HubEvent.Raised, PatientId: "p-one", Condition: "crs" }, "the alert raised before expiry");

        // Past exp but within the skew the bearer validation allows: still open (a Resume is answered).
        host.Time.SetUtcNow(Day.AddMinutes(11).AddSeconds(-1));
        await shortLived.ResumeAsync(shortLived.LastSeqs());
        Assert.That(shortLived.Closed.IsCompleted, Is.False, "open until exp + skew");

        host.Time.Advance(TimeSpan.FromSeconds(2));
        await shortLived.Closed.WaitAsync(Patience);
        var seen = shortLived.LastSeqs();

        // Raised after the close: the open connection of the same unit gets it, the closed one does not.
        await ObservationAsync(integration, Temperature("p-two", 38.9m, "Cel", host.Time.GetUtcNow().AddMinutes(-1)));
        var missed = await longLived.WaitForAlertAsync(e => e is { Kind: HubEvent.Raised, PatientId: "p-two", Condition: "crs" }, "the alert raised after the close");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(shortLived.Connection.State, Is.EqualTo(HubConnectionState.Disconnected));
            Assert.That(shortLived.Alerts.Where(e => e.Id == missed.Id), Is.Empty, "nothing reaches a connection whose token expired");
        }

        // The expired token cannot open a new connection; a fresh one can, and Resume replays the missed alert.
        var refused = await Assert.ThrowsAsync<HttpRequestException>(async () => await AlertListener.ConnectAsync(host, expiring));
        Assert.That(refused!.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        await using var fresh = await AlertListener.ConnectAsync(host, host.Token("--role", "nurse", "--unit", West, "--minutes", "10", "--sub", "nurse-short"));
        await fresh.ResumeAsync(seen);
        var replayed = await fresh.WaitForAlertAsync(e => e.Kind == HubEvent.Raised && e.Id == missed.Id, "the missed alert, replayed by Resume");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(replayed.Seq, Is.EqualTo(missed.Seq));
            Assert.That(fresh.Alerts.Min(e => e.Seq), Is.GreaterThan(seen[West]), "nothing already seen is replayed");
            Assert.That(host.Services.GetRequiredService<HubSessionExpiry>().Watched, Is.EqualTo(2), "the two open connections are armed; the closed one is forgotten");
        }
    }

    [Test]
    public async Task EveryResume_IsAnAuditRow_WithWhoTheUnitsTheSeqRangeAndThePatientsSent()
    {
        // Committed before the dashboard connects: only a replay sends them (what it was sent live, it is never replayed).
        await ObservationAsync(integration, Temperature("p-one", 38.4m, "Cel", Day.AddMinutes(-2)));
        await ObservationAsync(integration, Temperature("p-two", 38.6m, "Cel", Day.AddMinutes(-1)));
        var changes = (await ChangesAsync(host)).Where(c => c.Unit == West).ToList();
        Assert.That(changes, Is.Not.Empty);
        await using var nurse = await AlertListener.ConnectAsync(host, host.Token("--role", "nurse", "--unit", West, "--sub", "nurse-resume"));

        // A replay from the start (asking for another unit too: ignored), then one with nothing new.
        await nurse.ResumeAsync(new Dictionary<string, long> { [West] = 0, [East] = 0 });
        await nurse.ResumeAsync(new Dictionary<string, long> { [West] = changes[^1].Seq });

        var rows = await AuditRowsAsync(host, "alert.resume", 2);
        Assert.That(rows, Has.Count.EqualTo(2), "one row per replay");
        var (first, second) = (rows[1], rows[0]); // newest first
        using (Assert.EnterMultipleScope())
        {
            foreach (var row in rows)
            {
                Assert.That(row, Is.EqualTo(row with
                {
                    Actor = "nurse-resume", Role = "nurse", ResourceType = "Location", ResourceId = West, PatientId = null, Outcome = "success",
                    CorrelationId = nurse.Connection.ConnectionId,
                }));
                Assert.That(row.RemoteAddress, Is.Not.Null.And.Not.Empty, "from where");
            }

            Assert.That(first.Detail, Is.EqualTo(
                $"{West} after seq 0: {changes.Count} changes, seq {changes[0].Seq}-{changes[^1].Seq}; patients p-one, p-two; ignored 1 asked-for unit(s) not in the token"));
            Assert.That(second.Detail, Is.EqualTo($"{West} after seq {changes[^1].Seq}: 0 changes"));
        }
    }
}
