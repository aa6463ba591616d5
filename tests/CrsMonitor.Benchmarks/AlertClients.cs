using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace CrsMonitor.Benchmarks;

/// <summary>
/// When each dashboard received the <c>alertRaised</c> of the CRS alert of a patient: the benchmark says which patient it
/// expects before it posts the fever, every connection's handler stamps the moment its event arrived (Stopwatch, the
/// same clock as the POST's), and the waiter completes when all connections have it.
/// </summary>
public sealed class AlertWaiters
{
    private readonly ConcurrentDictionary<string, Waiter> waiters = new(StringComparer.Ordinal);
    private string? firstPayload;

    /// <summary>The JSON of the first CRS <c>alertRaised</c> seen (the bare ceiling pushes a copy of it, same size).</summary>
    public string? FirstPayload => Volatile.Read(ref firstPayload);

    /// <summary>The event name the server used for the first alertRaised seen.</summary>
    public string? WireName { get; private set; }

    public Waiter Expect(string patientId, int clients)
    {
        var waiter = new Waiter(clients);
        if (!waiters.TryAdd(patientId, waiter))
        {
            throw new InvalidOperationException($"patient {patientId} is already expected: each alert needs its own patient");
        }

        return waiter;
    }

    public void Forget(string patientId) => waiters.TryRemove(patientId, out _);

    /// <summary>The handler of one connection (<paramref name="client"/>: its index); <paramref name="at"/> is stamped first.</summary>
    public void OnAlertRaised(int client, JsonElement alert, long at, string eventName)
    {
        if (WireName is null)
        {
            WireName = eventName;
        }

        if (alert.ValueKind != JsonValueKind.Object
            || !alert.TryGetProperty("condition", out var condition) || condition.GetString() != "crs"
            || !alert.TryGetProperty("patientId", out var patient) || patient.GetString() is not { } patientId)
        {
            return; // another condition of the same fever, or another unit's business: not measured
        }

        if (firstPayload is null)
        {
            Interlocked.CompareExchange(ref firstPayload, alert.GetRawText(), null);
        }

        if (waiters.TryGetValue(patientId, out var waiter))
        {
            waiter.Record(client, at);
            if (client == 0 && alert.TryGetProperty("raisedAt", out var raised) && raised.TryGetDateTimeOffset(out var raisedAt))
            {
                waiter.RaisedAt = raisedAt;
            }
        }
    }
}

/// <summary>The receive times of one alert on every connection (0: not received).</summary>
public sealed class Waiter(int clients)
{
    private readonly long[] received = new long[clients];
    private readonly TaskCompletionSource all = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int remaining = clients;

    public Task All => all.Task;

    /// <summary>The alert's <c>raisedAt</c> as the first connection received it: the service's clock inside the write transaction.</summary>
    public DateTimeOffset? RaisedAt { get; set; }

    /// <summary>A copy of the receive times, one per connection (0: not received).</summary>
    public long[] Snapshot() => [.. received];

    public void Record(int client, long at)
    {
        if (Interlocked.CompareExchange(ref received[client], at, 0) == 0 && Interlocked.Decrement(ref remaining) == 0)
        {
            all.TrySetResult();
        }
    }
}

/// <summary>How long opening the dashboards took (milliseconds per connection; the whole in seconds).</summary>
public sealed record ConnectStats(int Connections, int Parallel, double TotalSeconds, LatencyStats PerConnection, int Failed, string? FirstError);

/// <summary>
/// SignalR dashboards as the bundled dashboard opens them (Microsoft.AspNetCore.SignalR.Client, negotiate then
/// WebSockets only, the token as <c>access_token</c> in the query string as a browser sends it, then <c>Resume</c>
/// with no seq seen), each with handlers for the three hub events.
/// </summary>
public sealed class DashboardSet : IAsyncDisposable
{
    private readonly List<HubConnection> connections;
    private int closed;

    private DashboardSet(List<HubConnection> connections) => this.connections = connections;

    public int Count => connections.Count;

    /// <summary>Connections that closed on their own since they were opened (server timeout, server gone).</summary>
    public int Closed => Volatile.Read(ref closed);

    /// <summary>
    /// Opens <paramref name="count"/> connections, <paramref name="parallel"/> at a time, to <paramref name="hub"/> with
    /// the tokens in turn; <paramref name="extraQuery"/> is appended to the query (the bare ceiling's unit).
    /// </summary>
    public static async Task<(DashboardSet Set, ConnectStats Stats)> ConnectAsync(
        Uri hub, IReadOnlyList<string> tokens, int count, int parallel, string extraQuery, AlertWaiters waiters, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(waiters);
        var built = new HubConnection?[count];
        var set = new DashboardSet([]);
        var times = new double[count];
        var failed = 0;
        string? firstError = null;
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = ct }, async (i, c) =>
        {
            var token = tokens[i % tokens.Count];
            var url = new Uri(hub, $"{hub.AbsolutePath}?access_token={Uri.EscapeDataString(token)}{extraQuery}");
            var connection = new HubConnectionBuilder()
                .WithUrl(url, HttpTransportType.WebSockets, o => o.SkipNegotiation = false)
                .Build();
            var index = i;
            // The contract's names (alertRaised, ...). A typed hub without [HubMethodName] sends its C# method names
            // (AlertRaised, ...): the JavaScript client matches either, ignoring case; the .NET client matches exactly, so
            // both spellings are registered and the report says which one came.
            foreach (var name in new[] { "alertRaised", "AlertRaised" })
            {
                connection.On<JsonElement>(name, alert => waiters.OnAlertRaised(index, alert, Stopwatch.GetTimestamp(), name));
            }

            foreach (var name in new[] { "alertUpdated", "AlertUpdated", "patientStatusChanged", "PatientStatusChanged" })
            {
                connection.On<JsonElement>(name, _ => { });
            }
            connection.Closed += _ =>
            {
                Interlocked.Increment(ref set.closed);
                return Task.CompletedTask;
            };
            var from = Stopwatch.GetTimestamp();
            try
            {
                await connection.StartAsync(c).ConfigureAwait(false);
                await connection.InvokeAsync<Dictionary<string, long>>("Resume", new Dictionary<string, long>(), c).ConfigureAwait(false);
                times[index] = Stats.Ms(Stopwatch.GetTimestamp() - from);
                built[index] = connection;
            }
            catch (Exception e) when (e is HttpRequestException or InvalidOperationException or IOException or System.Net.WebSockets.WebSocketException
                or TimeoutException or OperationCanceledException && !c.IsCancellationRequested)
            {
                times[index] = double.PositiveInfinity;
                Interlocked.Increment(ref failed);
                Interlocked.CompareExchange(ref firstError, $"{e.GetType().Name}: {e.Message}", null);
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
        var total = Stats.Ms(Stopwatch.GetTimestamp() - started) / 1000;
        set.connections.AddRange(built.OfType<HubConnection>());
        return (set, new ConnectStats(count, parallel, total, Stats.Of(times), failed, firstError));
    }

    public async ValueTask DisposeAsync()
    {
        await Parallel.ForEachAsync(connections, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (c, _) => await c.DisposeAsync().ConfigureAwait(false))
            .ConfigureAwait(false);
        connections.Clear();
    }
}

/// <summary>
/// One measured alert: the POST (start, answer read) and every connection's receive time (0: not received), on the
/// Stopwatch clock; <paramref name="StartUtc"/> is the wall clock at <paramref name="Start"/>, so the alert's
/// <paramref name="RaisedAt"/> (the service's wall clock, the same machine's) can be placed on the Stopwatch clock.
/// </summary>
public sealed record AlertSample(bool Ok, string? Error, long Start, long Answered, long[] Received, DateTimeOffset StartUtc = default, DateTimeOffset? RaisedAt = null)
{
    /// <summary><see cref="RaisedAt"/> on the Stopwatch clock; null when the alert did not say.</summary>
    public long? Raised => RaisedAt is { } at ? Start + (long)((at - StartUtc).TotalSeconds * Stopwatch.Frequency) : null;
}

/// <summary>
/// Raises the measured alerts: a fever (38.5 °C) for a patient who has had no reading, each sample its own patient,
/// POSTed with an integration token; then waits for the alert on every connection (at most
/// <see cref="ReceiveTimeout"/> after the answer; a missing one counts as infinitely late).
/// </summary>
public static class AlertSampler
{
    public static readonly TimeSpan ReceiveTimeout = TimeSpan.FromSeconds(10);

    private static readonly MediaTypeHeaderValue FhirJson = new(Payloads.MediaType);

    /// <summary>
    /// Open loop: one alert every 1/<paramref name="rate"/> s whatever the answers, for <paramref name="warmup"/> (not
    /// kept) then <paramref name="measure"/>; returns the measured samples once each has its answer and its alerts, and
    /// how many warm-up alerts were acknowledged.
    /// </summary>
    public static async Task<(IReadOnlyList<AlertSample> Measured, int WarmupAcknowledged)> RunPacedAsync(
        HttpClient client, Func<string> token, Func<string> nextPatient, string runId, int rate, int clients, AlertWaiters waiters,
        TimeSpan warmup, TimeSpan measure, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(nextPatient);
        var interval = (double)Stopwatch.Frequency / rate;
        var start = Stopwatch.GetTimestamp();
        var measureFrom = start + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        var total = (long)Math.Round((warmup + measure).TotalSeconds * rate);
        var pending = new List<Task<AlertSample>>();
        var warming = new List<Task<AlertSample>>();
        for (long i = 0; i < total && !ct.IsCancellationRequested;)
        {
            var now = Stopwatch.GetTimestamp();
            for (; i < total && start + (long)(i * interval) <= now; i++)
            {
                var measured = start + (long)(i * interval) >= measureFrom;
                var patient = nextPatient();
                var sample = Task.Run(() => RaiseAsync(client, token(), patient, runId, clients, waiters, ct), CancellationToken.None);
                (measured ? pending : warming).Add(sample);
            }

            await Task.Delay(1, ct).ConfigureAwait(false);
        }

        var warm = await Task.WhenAll(warming).ConfigureAwait(false);
        return (await Task.WhenAll(pending).ConfigureAwait(false), warm.Count(s => s.Ok));
    }

    /// <summary>One alert after the other (fan-out): each waits for every connection, then a short pause.</summary>
    public static async Task<IReadOnlyList<AlertSample>> RunRoundsAsync(
        HttpClient client, Func<string> token, Func<string> nextPatient, string runId, int rounds, int clients, AlertWaiters waiters, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(nextPatient);
        var samples = new List<AlertSample>();
        for (var r = 0; r < rounds; r++)
        {
            samples.Add(await RaiseAsync(client, token(), nextPatient(), runId, clients, waiters, ct).ConfigureAwait(false));
            await Task.Delay(300, ct).ConfigureAwait(false);
        }

        return samples;
    }

    private static async Task<AlertSample> RaiseAsync(HttpClient client, string token, string patient, string runId, int clients, AlertWaiters waiters, CancellationToken ct)
    {
        var body = Payloads.Fever(runId, patient);
        var waiter = waiters.Expect(patient, clients);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/fhir/Observation") { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = FhirJson;
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var startUtc = DateTimeOffset.UtcNow;
            var start = Stopwatch.GetTimestamp();
            long answered;
            try
            {
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
                answered = Stopwatch.GetTimestamp();
                if (!response.IsSuccessStatusCode)
                {
                    var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
                    return new AlertSample(false, $"{(int)response.StatusCode}: {(text.Length > 300 ? text[..300] : text)}", start, answered, waiter.Snapshot());
                }
            }
            catch (HttpRequestException e)
            {
                return new AlertSample(false, $"{e.GetType().Name}: {e.Message}", start, Stopwatch.GetTimestamp(), waiter.Snapshot());
            }

            await Task.WhenAny(waiter.All, Task.Delay(ReceiveTimeout, ct)).ConfigureAwait(false);
            return new AlertSample(true, null, start, answered, waiter.Snapshot(), startUtc, waiter.RaisedAt);
        }
        finally
        {
            waiters.Forget(patient);
        }
    }
}

/// <summary>Percentiles (nearest rank) in milliseconds; +∞ for what never came.</summary>
public sealed record LatencyStats(int Count, double P50, double P95, double P99, double Max)
{
    public static readonly LatencyStats None = new(0, double.NaN, double.NaN, double.NaN, double.NaN);
}

public static class Stats
{
    public static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    public static LatencyStats Of(IEnumerable<double> values)
    {
        var all = values.ToArray();
        if (all.Length == 0)
        {
            return LatencyStats.None;
        }

        Array.Sort(all);
        double At(double p) => all[(int)Math.Min(all.Length - 1, Math.Max(0, Math.Ceiling(p * all.Length) - 1))];
        return new LatencyStats(all.Length, At(0.50), At(0.95), At(0.99), all[^1]);
    }
}
