using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Storage.Backup;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;

namespace CrsMonitor.Service.Tests.Storage.Backup;

/// <summary>
/// Real data for the backup tests, written through the service's FHIR interface: patients admitted to a ward, their
/// vital signs in transaction Bundles, a fever that raises an alert, the audit sealed; a writer that keeps posting
/// Observations while a backup runs; and the verbs run in-process as the command line runs them.
/// </summary>
internal static class BackupWard
{
    public const string Unit = "7W";
    public static readonly string[] Patients = ["p-bk-1", "p-bk-2", "p-bk-3"];

    /// <summary>Admits the patients, gives each a fever (an alert) and <paramref name="readingsPerPatient"/> vital signs, and seals the audit.</summary>
    public static async Task SeedAsync(ServiceHost host, int readingsPerPatient)
    {
        using var feed = host.ClientWith(host.Token("--role", "integration", "--sub", "feed-bk"));
        foreach (var patient in Patients)
        {
            await AdmitAsync(feed, patient, Unit);
            await Ok(await feed.PostAsync("/fhir/Observation", Body(Temperature(patient, 38.6m, "Cel", ServiceHost.Start.AddMinutes(-10)))));
            for (var done = 0; done < readingsPerPatient; done += 250)
            {
                var entries = Enumerable.Range(done, Math.Min(250, readingsPerPatient - done)).Select(i =>
                    Entry(Systolic(patient, 100 + (i % 30), ServiceHost.Start.AddDays(-2).AddSeconds(i * 20))));
                await Ok(await feed.PostAsync("/fhir", Body(Transaction(entries))));
            }
        }

        await host.Services.GetRequiredService<AuditSealer>().SealOnceAsync(default);
    }

    /// <summary>Keeps posting temperatures for the first patient until cancelled; the ids of those answered 201, in order.</summary>
    public sealed class Writer(ServiceHost host) : IAsyncDisposable
    {
        private readonly CancellationTokenSource stop = new();
        private readonly ConcurrentQueue<string> acknowledged = new();
        private readonly List<string> failures = [];
        private Task? running;

        public IReadOnlyList<string> Acknowledged => [.. acknowledged];

        public IReadOnlyList<string> Failures => failures;

        public int Count => acknowledged.Count;

        public void Start() => running = Task.Run(() => RunAsync(stop.Token));

        /// <summary>Waits until the writer has had at least <paramref name="count"/> writes acknowledged.</summary>
        public async Task AtLeastAsync(int count)
        {
            var clock = Stopwatch.StartNew();
            while (acknowledged.Count < count && clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                Assert.That(failures, Is.Empty);
                await Task.Delay(10);
            }

            Assert.That(acknowledged, Has.Count.GreaterThanOrEqualTo(count), "the writer kept writing");
        }

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            if (running is not null)
            {
                await running;
            }

            stop.Dispose();
        }

        private async Task RunAsync(CancellationToken ct)
        {
            using var feed = host.ClientWith(host.Token("--role", "integration", "--sub", "writer-bk"));
            for (var i = 0; !ct.IsCancellationRequested; i++)
            {
                try
                {
                    using var answer = await feed.PostAsync("/fhir/Observation", Body(Temperature(Patients[0], 36.5m + (i % 10 / 10m), "Cel", ServiceHost.Start.AddDays(-1).AddSeconds(i * 5))), ct);
                    if (answer.StatusCode != HttpStatusCode.Created)
                    {
                        failures.Add($"{answer.StatusCode}: {await answer.Content.ReadAsStringAsync(ct)}");
                        return;
                    }

                    acknowledged.Enqueue(answer.Headers.Location!.OriginalString.Split('/')[^3]);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Runs a verb as the command line would, with these Storage settings.</summary>
    public static (int Code, string Stdout, string Stderr) Verb(string[] args, IReadOnlyDictionary<string, string?> storage, string? pgSearchPath = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(storage)
            .AddCommandLine(BackupArguments.ConfigurationArguments(args)).Build();
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = args[0] switch
        {
            "backup" => BackupCommand.Run(args, configuration, TimeProvider.System, stdout, stderr, pgSearchPath),
            "restore" => RestoreCommand.Run(args, configuration, stdout, stderr, pgSearchPath),
            _ => AuditVerifyCommand.Run(configuration, stdout, stderr),
        };
        TestContext.Progress.WriteLine($"{string.Join(' ', args)} -> {code}\n{stdout}{stderr}");
        return (code, stdout.ToString(), stderr.ToString());
    }

    public static Dictionary<string, string?> Sqlite(string path) => new()
    {
        ["Storage:Provider"] = "sqlite",
        ["Storage:ConnectionString"] = $"Data Source={path}",
    };

    /// <summary>What a nurse of the ward reads back: each patient, its status, the unit's alerts, and the given Observations.</summary>
    public static async Task<List<string>> ReadBackAsync(ServiceHost host, IEnumerable<string> observations)
    {
        using var nurse = host.ClientFor("nurse", Unit);
        var read = new List<string>();
        foreach (var patient in Patients)
        {
            read.Add(await Ok(await nurse.GetAsync($"/fhir/Patient/{patient}")));
        }

        var alerts = JsonNode.Parse(await Ok(await nurse.GetAsync($"/api/units/{Unit}/alerts")))!["alerts"]!.AsArray();
        Assert.That(alerts, Is.Not.Empty, "the fever raised alerts");
        read.AddRange(alerts.Select(a => a!.ToJsonString()));
        foreach (var id in observations)
        {
            read.Add(await Ok(await nurse.GetAsync($"/fhir/Observation/{id}")));
        }

        return read;
    }

    private static string Entry(string resource) =>
        new JsonObject { ["resource"] = JsonNode.Parse(resource), ["request"] = new JsonObject { ["method"] = "POST", ["url"] = "Observation" } }.ToJsonString();

    private static string Transaction(IEnumerable<string> entries) =>
        new JsonObject { ["resourceType"] = "Bundle", ["type"] = "transaction", ["entry"] = new JsonArray([.. entries.Select(e => JsonNode.Parse(e))]) }.ToJsonString();
}
