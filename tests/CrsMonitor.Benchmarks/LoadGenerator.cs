using System.Diagnostics;
using System.Net.Http.Headers;

namespace CrsMonitor.Benchmarks;

/// <summary>What one scenario sends: POSTs to <paramref name="Path"/> from <paramref name="Clients"/> concurrent clients.</summary>
public sealed record Workload(string Key, string Label, string Path, int ObservationsPerRequest, int Clients, Func<Payloads, byte[]> Body)
{
    public const int BundleSize = 100;

    /// <summary>The closed-loop workloads of every target: single Observations at 1, 8, 32 clients; Bundles of 100.</summary>
    public static IReadOnlyList<Workload> All { get; } =
    [
        Post(1),
        Post(8),
        Post(32),
        Transaction(1),
        Transaction(8),
    ];

    public static Workload Post(int clients) =>
        new($"single-c{clients}", "Observation POST", "/fhir/Observation", 1, clients, p => p.NextObservation());

    public static Workload Transaction(int clients) =>
        new($"bundle-c{clients}", $"transaction Bundle of {BundleSize}", "/fhir", BundleSize, clients, p => p.NextBundle(BundleSize));
}

/// <summary>The numbers of one scenario (latency in milliseconds, from just before sending to the whole answer read).</summary>
public sealed record Measurement(
    double Seconds, long Requests, long Observations, long Errors, long Acknowledged, double P50, double P99, double Max, string? FirstError,
    int MaxInFlight = 0, long Unanswered = 0, long Unacknowledged = 0)
{
    public double RequestsPerSecond => Requests / Seconds;

    public double ObservationsPerSecond => Observations / Seconds;
}

/// <summary>
/// Sends load over real HTTP (HttpClient on SocketsHttpHandler, HTTP/1.1, one connection per client) to 127.0.0.1.
/// Closed loop: each client sends its next request when the last was answered. Open loop: requests leave at fixed
/// intervals whatever the answers, and latency is counted from the planned send time (no coordinated omission).
/// Warm-up traffic is sent the same way and left out of the numbers; every loop ends by the clock.
/// </summary>
public static class LoadGenerator
{
    private static readonly MediaTypeHeaderValue FhirJson = new(Payloads.MediaType);

    public static async Task<Measurement> RunClosedAsync(
        Uri baseAddress, Func<string> token, Workload workload, Payloads payloads, TimeSpan warmup, TimeSpan measure, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(workload);
        using var client = NewClient(baseAddress, workload.Clients);
        var measureFrom = Stopwatch.GetTimestamp() + Ticks(warmup);
        var end = measureFrom + Ticks(measure);
        var workers = Enumerable.Range(0, workload.Clients).Select(_ => Task.Run(async () =>
        {
            var tally = new Tally();
            while (!ct.IsCancellationRequested)
            {
                var body = workload.Body(payloads);
                var started = Stopwatch.GetTimestamp();
                if (started >= end)
                {
                    break;
                }

                var (ok, error) = await SendAsync(client, workload.Path, body, token(), ct).ConfigureAwait(false);
                var finished = Stopwatch.GetTimestamp();
                tally.Add(ok, error, finished - started, finished >= measureFrom && finished <= end, workload.ObservationsPerRequest);
            }

            return tally;
        }, ct)).ToList();
        var tallies = await Task.WhenAll(workers).ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();
        return Tally.Merge(tallies, measure.TotalSeconds, workload.ObservationsPerRequest, 0);
    }

    /// <summary>
    /// Open loop at <paramref name="ratePerSecond"/> single-Observation POSTs: warm-up at the same rate, then the
    /// measured period; then waits at most <paramref name="drain"/> for the answers still outstanding and abandons the
    /// rest (counted as unanswered: the server did not keep up).
    /// </summary>
    public static async Task<Measurement> RunPacedAsync(
        Uri baseAddress, Func<string> token, Payloads payloads, int ratePerSecond, TimeSpan warmup, TimeSpan measure, TimeSpan drain, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(payloads);
        const int MaxConnections = 256;
        using var client = NewClient(baseAddress, MaxConnections);
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var interval = (double)Stopwatch.Frequency / ratePerSecond;
        var start = Stopwatch.GetTimestamp();
        var measureFrom = start + Ticks(warmup);
        var total = (long)Math.Round((warmup + measure).TotalSeconds * ratePerSecond);
        var tally = new Tally();
        var inFlight = 0;
        var maxInFlight = 0;
        var lastAnswer = measureFrom;
        var pending = new List<Task>((int)Math.Min(total, 1_000_000));
        for (long i = 0; i < total && !ct.IsCancellationRequested;)
        {
            var now = Stopwatch.GetTimestamp();
            for (; i < total && start + (long)(i * interval) <= now; i++)
            {
                var planned = start + (long)(i * interval);
                var body = payloads.NextObservation();
                var current = Interlocked.Increment(ref inFlight);
                InterlockedMax(ref maxInFlight, current);
                pending.Add(Task.Run(async () =>
                {
                    var (ok, error) = await SendAsync(client, "/fhir/Observation", body, token(), abandon.Token).ConfigureAwait(false);
                    var finished = Stopwatch.GetTimestamp();
                    Interlocked.Decrement(ref inFlight);
                    lock (tally)
                    {
                        if (abandon.IsCancellationRequested && !ok)
                        {
                            tally.Abandoned(planned >= measureFrom);
                            return;
                        }

                        tally.Add(ok, error, finished - planned, planned >= measureFrom, 1);
                        if (ok && planned >= measureFrom)
                        {
                            lastAnswer = Math.Max(lastAnswer, finished);
                        }
                    }
                }, CancellationToken.None));
            }

            await Task.Delay(1, ct).ConfigureAwait(false);
        }

        var all = Task.WhenAll(pending);
        await Task.WhenAny(all, Task.Delay(drain, ct)).ConfigureAwait(false);
        await abandon.CancelAsync().ConfigureAwait(false);
        await all.ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();
        lock (tally)
        {
            var seconds = Math.Max(measure.TotalSeconds, (double)(lastAnswer - measureFrom) / Stopwatch.Frequency);
            return Tally.Merge([tally], seconds, 1, maxInFlight);
        }
    }

    /// <summary>A PUT of an administrative resource (admission); throws with the answer when it is not 2xx.</summary>
    public static async Task PutAsync(HttpClient client, string path, string json, string token, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = new StringContent(json) };
        request.Content.Headers.ContentType = FhirJson;
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException(
                $"PUT {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false)}");
        }
    }

    public static HttpClient NewClient(Uri baseAddress, int connections) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = connections,
        UseProxy = false,
        UseCookies = false,
        AllowAutoRedirect = false,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(10),
    })
    {
        BaseAddress = baseAddress,
        Timeout = TimeSpan.FromSeconds(60),
    };

    /// <summary>One POST of FHIR JSON: whether it was answered 2xx, else the status and the start of the answer (or the exception).</summary>
    internal static async Task<(bool Ok, string? Error)> SendAsync(HttpClient client, string path, byte[] body, string token, CancellationToken ct)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = FhirJson;
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return (true, null);
            }

            var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            return (false, $"{(int)response.StatusCode}: {(text.Length > 600 ? text[..600] : text)}");
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            return ct.IsCancellationRequested ? (false, null) : (false, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    /// <summary>One client's counts: latencies of the answers inside the measured period; errors anywhere.</summary>
    private sealed class Tally
    {
        private readonly List<long> latencies = new(4096);
        private long errors;
        private long acknowledged;
        private long unanswered;
        private long abandoned;
        private string? firstError;

        /// <summary>A paced request given up at the end of the drain period; a measured one counts as infinitely slow.</summary>
        public void Abandoned(bool measured)
        {
            abandoned++;
            if (measured)
            {
                unanswered++;
                latencies.Add(long.MaxValue);
            }
        }

        public void Add(bool ok, string? error, long elapsedTicks, bool measured, int observations)
        {
            if (ok)
            {
                acknowledged += observations;
            }
            else
            {
                errors++;
                firstError ??= error;
            }

            if (measured && ok)
            {
                latencies.Add(elapsedTicks);
            }
        }

        public static Measurement Merge(IReadOnlyList<Tally> tallies, double seconds, int observationsPerRequest, int maxInFlight)
        {
            var all = tallies.SelectMany(t => t.latencies).ToArray();
            Array.Sort(all);
            double Percentile(double p) => all.Length == 0 ? double.NaN
                : all[(int)Math.Min(all.Length - 1, Math.Ceiling(p * all.Length) - 1)] is var ticks && ticks == long.MaxValue
                    ? double.PositiveInfinity
                    : ticks * 1000.0 / Stopwatch.Frequency;
            var unanswered = tallies.Sum(t => t.unanswered);
            var answered = all.Length - unanswered;
            return new Measurement(
                seconds, answered, answered * observationsPerRequest, tallies.Sum(t => t.errors), tallies.Sum(t => t.acknowledged),
                Percentile(0.50), Percentile(0.99), Percentile(1.0), tallies.Select(t => t.firstError).FirstOrDefault(e => e is not null),
                maxInFlight, unanswered, tallies.Sum(t => t.errors + t.abandoned));
        }
    }
}
