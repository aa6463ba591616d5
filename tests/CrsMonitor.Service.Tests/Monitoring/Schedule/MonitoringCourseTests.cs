using System.Text.Json.Nodes;
using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;
using static CrsMonitor.Service.Tests.Monitoring.Schedule.MonitoringHost;

namespace CrsMonitor.Service.Tests.Monitoring.Schedule;

/// <summary>
/// A 48-hour tarlatamab C1D1 course stepped in 15-minute steps with the fake clock, Quartz waking the windows: every
/// slot is pending, done or overdue exactly when it should be, each missed check is recorded once, and the window events
/// (eligible for discharge at 22 h, maximum passed at 24 h without a decision, proximity completed at 48 h) come on time.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class MonitoringCourseTests(StorageProvider provider)
{
    private static readonly DateTimeOffset Dose = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(15);

    // Vital signs taken (and posted, at that instant of the fake clock) at these hours after the dose start; the 8 h set
    // is missed. ICE at 16 h only (the 8 h one is missed). A check posted after its overdue instant is recorded overdue.
    private static readonly double[] VitalsAt = [3.75, 12, 16, 20];
    private static readonly double[] IceAt = [16];

    private TestDatabase database = null!;
    private ServiceHost host = null!;

    [SetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = new ServiceHost(database.HostSettings);
        host.Time.SetUtcNow(Dose.AddHours(-1));
    }

    [TearDown]
    public async Task StopAsync()
    {
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    [Test]
    public async Task Course48Hours_EverySlotDueDoneOrOverdueExactlyWhenItShould_EachMissRecordedOnce()
    {
        using var integration = FreshClient(host, "integration");
        using var nurse = FreshClient(host, "nurse", Unit);
        await AdmitAsync(integration, "p48", Unit);
        host.Time.SetUtcNow(Dose);
        await Ok(await integration.PostAsync("/fhir/MedicationAdministration", Body(Tarlatamab("p48", Dose, Dose.AddHours(1)))));
        await SettleAsync(host);

        var vitalsDue = new[] { 4, 8, 12, 16, 20 }.Select(h => Dose.AddHours(h)).ToList();
        var iceDue = new[] { 8, 16 }.Select(h => Dose.AddHours(h)).ToList();
        for (var step = 1; step <= 48 * 4; step++)
        {
            var now = Dose.AddMinutes(15 * step);
            host.Time.SetUtcNow(now);
            foreach (var h in VitalsAt.Where(h => Dose.AddHours(h) > now.AddMinutes(-15) && Dose.AddHours(h) <= now))
            {
                await VitalsAsync(integration, "p48", Dose.AddHours(h));
            }

            foreach (var h in IceAt.Where(h => Dose.AddHours(h) > now.AddMinutes(-15) && Dose.AddHours(h) <= now))
            {
                await Ok(await nurse.PostAsync("/fhir/QuestionnaireResponse", Body(NeuroCheck("p48", Dose.AddHours(h), namingCount: 3, writes: true))));
            }

            await SettleAsync(host);
            var status = await StatusAsync(nurse, "p48");
            AssertSlots(status, now, "vital-signs", vitalsDue, VitalsAt);
            AssertSlots(status, now, "ice", iceDue, IceAt);
            AssertWindowEvents(status, now);
        }
    }

    /// <summary>Each due slot's state at <paramref name="now"/>, and one check-overdue event per missed slot once it is overdue.</summary>
    private static void AssertSlots(JsonNode status, DateTimeOffset now, string check, List<DateTimeOffset> due, double[] doneAt)
    {
        var observed = status["windows"]!.AsArray().Single(w => w!["protocolWindowId"]!.GetValue<string>() == "c1-observed")!;
        var slots = status["checks"]!["slots"]!.AsArray().Where(s => s!["check"]!.GetValue<string>() == check).ToList();
        var overdueEvents = status["monitoringEvents"]!.AsArray()
            .Where(e => e!["kind"]!.GetValue<string>() == "check-overdue" && e["detail"]!["check"]!.GetValue<string>() == check).ToList();
        if (observed["state"]!.GetValue<string>() is "maximum-passed" or "eligible-for-discharge" or "toxicity-active" or "active")
        {
            Assert.That(slots.Select(s => s!["dueAt"]!.GetValue<DateTimeOffset>()), Is.EqualTo(due), $"{check} slots at {now:HH:mm}");
        }

        foreach (var slot in slots)
        {
            var dueAt = slot!["dueAt"]!.GetValue<DateTimeOffset>();
            var done = doneAt.Select(h => Dose.AddHours(h)).Where(t => t <= now).Any(t => t >= dueAt - TimeSpan.FromMinutes(30) && t < dueAt + TimeSpan.FromHours(3));
            var expected = done ? "done" : now >= dueAt + Grace ? "overdue" : "pending";
            var events = overdueEvents.Count(e => e!["detail"]!["dueAt"]!.GetValue<DateTimeOffset>() == dueAt);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(slot["state"]!.GetValue<string>(), Is.EqualTo(expected), $"{check} due {dueAt:HH:mm} at {now:dd HH:mm}");
                Assert.That(events, Is.EqualTo(!done && now >= dueAt + Grace ? 1 : 0), $"overdue events of {check} due {dueAt:HH:mm} at {now:dd HH:mm}");
            }
        }
    }

    private static void AssertWindowEvents(JsonNode status, DateTimeOffset now)
    {
        var events = status["monitoringEvents"]!.AsArray().Select(e => e!["kind"]!.GetValue<string>()).ToList();
        var observed = status["windows"]!.AsArray().Single(w => w!["protocolWindowId"]!.GetValue<string>() == "c1-observed")!;
        var proximity = status["windows"]!.AsArray().Single(w => w!["protocolWindowId"]!.GetValue<string>() == "c1-proximity")!;
        var hours = (now - Dose).TotalHours;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(events.Count(e => e == "eligible-for-discharge"), Is.EqualTo(hours >= 22 && hours < 24 || hours >= 22 && events.Contains("eligible-for-discharge") ? 1 : 0), $"eligible at {hours} h");
            Assert.That(events.Count(e => e == "window-maximum-passed"), Is.EqualTo(hours >= 24 ? 1 : 0), $"maximum passed at {hours} h");
            Assert.That(observed["state"]!.GetValue<string>(), Is.EqualTo(hours < 22 ? "active" : hours < 24 ? "eligible-for-discharge" : "maximum-passed"), $"observed state at {hours} h");
            Assert.That(proximity["state"]!.GetValue<string>(), Is.EqualTo(hours < 22 ? "upcoming" : hours < 48 ? "active" : "completed"), $"proximity state at {hours} h");
        }
    }

    [Test]
    public async Task Restart_ServiceStoppedBeforeADueSlotAndStartedAfterIt_TheOverdueCheckIsRecordedOnceAndLogged()
    {
        using (var integration = FreshClient(host, "integration"))
        {
            await AdmitAsync(integration, "p-restart", Unit);
            host.Time.SetUtcNow(Dose);
            await Ok(await integration.PostAsync("/fhir/MedicationAdministration", Body(Tarlatamab("p-restart", Dose, Dose.AddHours(1)))));
            host.Time.SetUtcNow(Dose.AddHours(3));
            await SettleAsync(host);
        }

        await host.DisposeAsync(); // stopped at +3 h; the first vitals check is overdue at +4 h 15 min
        var logs = new LogSink();
        host = new ServiceHost(database.HostSettings, s => s.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(logs));
        host.Time.SetUtcNow(Dose.AddHours(6));
        using var nurse = FreshClient(host, "nurse", Unit);
        _ = host.Services; // start: Quartz fires the misfired wake-up (FireNow), the watchdog's first pass runs
        await SettleAsync(host);
        await WatchdogPassAsync(host);

        var status = await StatusAsync(nurse, "p-restart");
        var overdue = status["monitoringEvents"]!.AsArray().Where(e => e!["kind"]!.GetValue<string>() == "check-overdue").ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(overdue.Select(e => e!["detail"]!["dueAt"]!.GetValue<DateTimeOffset>()), Is.EqualTo(new[] { Dose.AddHours(4) }));
            Assert.That(overdue.Single()!["occurredAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(Dose.AddHours(4) + Grace));
            Assert.That(overdue.Single()!["recordedBy"]!.GetValue<string>(), Is.AnyOf(Actors.Scheduler, Actors.SchedulerRecovery, Actors.Watchdog));
            Assert.That(status["checks"]!["overdue"]!.AsArray().Select(s => s!["check"]!.GetValue<string>()), Is.EqualTo(new[] { "vital-signs" }));
            Assert.That(logs.Lines.Count(l => l.Contains("check-overdue", StringComparison.Ordinal)), Is.EqualTo(1), string.Join("\n", logs.Lines));
        }
    }

    [Test]
    public async Task SlotJobRunTwice_HasOneEffect()
    {
        using var integration = FreshClient(host, "integration");
        using var nurse = FreshClient(host, "nurse", Unit);
        await AdmitAsync(integration, "p-twice", Unit);
        host.Time.SetUtcNow(Dose);
        await Ok(await integration.PostAsync("/fhir/MedicationAdministration", Body(Tarlatamab("p-twice", Dose, Dose.AddHours(1)))));
        await SettleAsync(host);
        var windowId = (await StatusAsync(nurse, "p-twice"))["windows"]!.AsArray()
            .Single(w => w!["protocolWindowId"]!.GetValue<string>() == "c1-observed")!["id"]!.GetValue<string>();
        host.Time.SetUtcNow(Dose.AddHours(4) + Grace);
        await SettleAsync(host);
        var before = (await StatusAsync(nurse, "p-twice"))["monitoringEvents"]!.ToJsonString();

        var runner = host.Services.GetRequiredService<MonitoringRunner>();
        var first = await runner.RunWindowAsync(windowId, Actors.SchedulerRecovery, CancellationToken.None);
        var second = await runner.RunWindowAsync(windowId, Actors.SchedulerRecovery, CancellationToken.None);
        var after = (await StatusAsync(nurse, "p-twice"))["monitoringEvents"]!.ToJsonString();
        using (Assert.EnterMultipleScope())
        {
            Assert.That((first, second), Is.EqualTo((0, 0)), "the wake-up was already processed by Quartz: running it again records nothing");
            Assert.That(after, Is.EqualTo(before));
            Assert.That(JsonNode.Parse(after)!.AsArray().Count(e => e!["kind"]!.GetValue<string>() == "check-overdue"), Is.EqualTo(1));
        }
    }

    private static async Task WatchdogPassAsync(ServiceHost host)
    {
        var watchdog = host.Services.GetRequiredService<MonitoringWatchdog>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (watchdog.Passes < 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.That(watchdog.Passes, Is.GreaterThanOrEqualTo(1), "the watchdog's start-up pass did not run");
        await SettleAsync(host);
    }
}

/// <summary>Collects log lines of the host (to show that something was logged).</summary>
internal sealed class LogSink : Microsoft.Extensions.Logging.ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> lines = new();

    public IReadOnlyList<string> Lines => [.. lines];

    public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Logger(categoryName, lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, System.Collections.Concurrent.ConcurrentQueue<string> lines) : Microsoft.Extensions.Logging.ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => logLevel >= Microsoft.Extensions.Logging.LogLevel.Information;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}");
            }
        }
    }
}
