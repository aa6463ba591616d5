using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Npgsql;
using static CrsMonitor.Cluster.Tests.Ward;

namespace CrsMonitor.Cluster.Tests;

/// <summary>
/// PostgreSQL stopped for 30 s under load (<c>pg_ctl stop -m fast</c>, then started again): four writers post
/// temperatures with unique identifiers through nginx without pause and record each answer; a prober reads every
/// node's <c>/health/ready</c>. While the database is away writes answer 503 with Retry-After and every node is
/// unready; within 30 s of its return every node is ready and writes (a POST to each node directly); every write that
/// was acknowledged (2xx) is stored exactly once (its identifier on exactly one stored Observation).
/// </summary>
public sealed class DatabaseOutageTests
{
    private const string Unit = "4S";
    private const int Writers = 4;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(30);
    private bool stopped;

    [TearDown]
    public async Task RestartAsync()
    {
        if (stopped)
        {
            await LocalCluster.Current.DatabaseAsync("start"); // the test failed with the database stopped
        }
    }

    [Test]
    [CancelAfter(240_000)]
    public async Task PostgresAway30sUnderLoad_Writes503RetryAfter_Unready_RecoverWithin30s_AcknowledgedWritesStoredOnce(CancellationToken cancel)
    {
        var cluster = LocalCluster.Current;
        var token = await cluster.TokenAsync("--role", "integration");
        var patients = Enumerable.Range(1, Writers).Select(i => $"db-{Run}-{i}").ToList();
        using (var admit = Client(cluster.LoadBalancer, token))
        {
            foreach (var patient in patients)
            {
                await AdmitAsync(admit, patient, Unit);
            }
        }

        var clock = Stopwatch.StartNew();
        var answers = new ConcurrentBag<Answer>();
        var probes = new ConcurrentBag<Probe>();
        using var stop = new CancellationTokenSource();
        var writers = patients.Select((p, w) => Task.Run(() => WriteAsync(cluster.LoadBalancer, token, p, w, clock, answers, stop.Token), CancellationToken.None)).ToList();
        var prober = Task.Run(() => ProbeAsync(cluster.Nodes, clock, probes, stop.Token), CancellationToken.None);
        try
        {
            await Ward.WaitUntilAsync(() => Task.FromResult(answers.Count(a => a.Acknowledged) >= 20), TimeSpan.FromSeconds(30), () => "20 acknowledged writes before the outage");
            await cluster.DatabaseAsync("stop");
            stopped = true;
            var down = clock.Elapsed;
            await Task.Delay(Outage, cancel);
            var upBefore = clock.Elapsed;
            await cluster.DatabaseAsync("start");
            var up = clock.Elapsed;
            stopped = false;

            // Every node: ready again and a write to it (directly, not through nginx) acknowledged.
            var recovered = new TimeSpan[cluster.Nodes.Count];
            for (var n = 0; n < cluster.Nodes.Count; n++)
            {
                using var direct = Client(cluster.Nodes[n], token, TimeSpan.FromSeconds(15));
                using var anonymous = new HttpClient { BaseAddress = cluster.Nodes[n], Timeout = TimeSpan.FromSeconds(5) };
                var node = n;
                await Ward.WaitUntilAsync(async () =>
                {
                    var ready = await Status(anonymous, "/health/ready") == 200;
                    var id = $"direct-{Run}-{node}-{Guid.NewGuid():N}";
                    var code = await PostAsync(direct, patients[0], id);
                    answers.Add(new Answer(id, patients[0], code, false, clock.Elapsed));
                    if (ready && code is >= 200 and < 300)
                    {
                        recovered[node] = clock.Elapsed - up;
                        return true;
                    }

                    return false;
                }, up + Recovery - clock.Elapsed + TimeSpan.FromSeconds(30), () => $"node{node + 1} ready and writing after the database came back", 200);
            }

            await Task.Delay(TimeSpan.FromSeconds(3), cancel); // load continues on the recovered cluster
            await stop.CancelAsync();
            await Task.WhenAll([.. writers, prober]);

            var all = answers.ToList();
            var during = all.Where(a => a.At > down + TimeSpan.FromSeconds(1) && a.At < upBefore).ToList();
            var stored = await StoredIdentifiersAsync(cluster, patients);
            var acknowledged = all.Where(a => a.Status is >= 200 and < 300).ToList();
            var firstAfter = all.Where(a => a.At > up && a.Status is >= 200 and < 300 && !a.Direct).Select(a => a.At - up).DefaultIfEmpty(TimeSpan.MaxValue).Min();
            var unready = probes.Where(p => p.At > down && p.At < upBefore).GroupBy(p => p.Node).ToDictionary(g => g.Key, g => g.Any(p => p.Status != 200));
            var readyAgain = probes.Where(p => p.At > up && p.Status == 200).GroupBy(p => p.Node).ToDictionary(g => g.Key, g => g.Min(p => p.At) - up);

            Figure($"database outage {Outage.TotalSeconds:F0} s under {Writers} writers: {all.Count} writes, {acknowledged.Count} acknowledged, "
                + $"{during.Count(a => a.Status == 503)} answered 503 while it was down (all with Retry-After: {during.All(a => a.RetryAfter)}); "
                + $"after it returned: first acknowledged write through nginx {firstAfter.TotalSeconds:F1} s, "
                + string.Join(", ", Enumerable.Range(0, cluster.Nodes.Count).Select(n =>
                    $"node{n + 1} ready {(readyAgain.TryGetValue(n, out var r) ? $"{r.TotalSeconds:F1} s" : "never")}, ready and writing {recovered[n].TotalSeconds:F1} s")));
            using (Assert.EnterMultipleScope())
            {
                Assert.That(during, Is.Not.Empty, "writes were attempted while the database was away");
                Assert.That(during.Select(a => a.Status).Distinct(), Is.EqualTo(new[] { 503 }), "every write during the outage answered 503");
                Assert.That(during.All(a => a.RetryAfter), Is.True, "every 503 carried Retry-After");
                for (var n = 0; n < cluster.Nodes.Count; n++)
                {
                    Assert.That(unready.GetValueOrDefault(n), Is.True, $"node{n + 1}'s /health/ready went unready during the outage");
                    Assert.That(recovered[n], Is.LessThanOrEqualTo(Recovery), $"node{n + 1} ready and writing within 30 s of the database's return");
                }

                foreach (var a in acknowledged)
                {
                    Assert.That(stored.GetValueOrDefault(a.Identifier), Is.EqualTo(1), $"acknowledged write {a.Identifier} stored exactly once");
                }

                Assert.That(stored.Where(s => s.Value > 1).Select(s => s.Key), Is.Empty, "no identifier stored twice");
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll([.. writers, prober]).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private static async Task WriteAsync(Uri lb, string token, string patient, int writer, Stopwatch clock, ConcurrentBag<Answer> answers, CancellationToken stop)
    {
        using var client = Client(lb, token, TimeSpan.FromSeconds(20));
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            var id = $"w-{Run}-{writer}-{n}";
            using var response = await Send(client, patient, id);
            var status = response is null ? -1 : (int)response.StatusCode;
            answers.Add(new Answer(id, patient, status, response?.Headers.RetryAfter is not null, clock.Elapsed) { Direct = false });
            await Task.Delay(status is >= 200 and < 300 ? 20 : 200, CancellationToken.None);
        }
    }

    private static async Task<HttpResponseMessage?> Send(HttpClient client, string patient, string id)
    {
        try
        {
            return await client.PostAsync("/fhir/Observation", Body(Temperature(patient, 36.8m, DateTimeOffset.UtcNow.AddMinutes(-1), id)));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    private static async Task<int> PostAsync(HttpClient client, string patient, string id)
    {
        using var response = await Send(client, patient, id);
        return response is null ? -1 : (int)response.StatusCode;
    }

    private static async Task<int> Status(HttpClient client, string path)
    {
        try
        {
            using var response = await client.GetAsync(path);
            return (int)response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return -1;
        }
    }

    private static async Task ProbeAsync(IReadOnlyList<Uri> nodes, Stopwatch clock, ConcurrentBag<Probe> probes, CancellationToken stop)
    {
        var clients = nodes.Select(n => new HttpClient { BaseAddress = n, Timeout = TimeSpan.FromSeconds(5) }).ToList();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                for (var n = 0; n < clients.Count; n++)
                {
                    probes.Add(new Probe(n, await Status(clients[n], "/health/ready"), clock.Elapsed));
                }

                await Task.Delay(250, CancellationToken.None);
            }
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    /// <summary>How many stored Observations (current versions) of the patients carry each test identifier.</summary>
    private static async Task<Dictionary<string, int>> StoredIdentifiersAsync(LocalCluster cluster, IReadOnlyList<string> patients)
    {
        await using var connection = await cluster.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand(
            "SELECT body FROM fhir_resource WHERE resource_type = 'Observation' AND patient_id = ANY(@patients)", connection);
        command.Parameters.AddWithValue("patients", patients.ToArray());
        await using var reader = await command.ExecuteReaderAsync();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            using var body = JsonDocument.Parse(reader.GetString(0));
            if (!body.RootElement.TryGetProperty("identifier", out var identifiers))
            {
                continue;
            }

            foreach (var identifier in identifiers.EnumerateArray().Where(i => i.GetProperty("system").GetString() == IdentifierSystem))
            {
                var value = identifier.GetProperty("value").GetString()!;
                counts[value] = counts.GetValueOrDefault(value) + 1;
            }
        }

        return counts;
    }

    private sealed record Answer(string Identifier, string Patient, int Status, bool RetryAfter, TimeSpan At)
    {
        public bool Direct { get; init; } = true;

        public bool Acknowledged => Status is >= 200 and < 300;
    }

    private sealed record Probe(int Node, int Status, TimeSpan At);
}
