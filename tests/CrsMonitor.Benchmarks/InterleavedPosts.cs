using System.Diagnostics;
using System.Globalization;

namespace CrsMonitor.Benchmarks;

/// <summary>One patient's single POSTs: latencies of the measured ones (ms), and counts of all, warm-up included.</summary>
public sealed record PostSeries(string Patient, IReadOnlyList<double> LatenciesMs, long Acknowledged, long Errors, string? FirstError)
{
    public LatencyStats Latency => Stats.Of(LatenciesMs);
}

/// <summary>
/// Single Observation POSTs from one client over one connection, round-robin over the patients: in each round every
/// patient gets one POST, the round's first patient rotating, so machine noise, the database's background work and
/// the order within a round fall on each patient alike. Each POST is the patient's next reading taken now (effective
/// time <see cref="DateTimeOffset.UtcNow"/> just before sending: the service's clock is the real one), the signals in
/// the wearable's order. Latency is from just before sending to the whole answer read; the first
/// <paramref name="warmup"/> rounds are not measured.
/// </summary>
public sealed class InterleavedPosts(Uri baseAddress, TokenKeeper tokens, string runId, int warmup, int measured)
{
    public async Task<IReadOnlyList<PostSeries>> RunAsync(IReadOnlyList<CoursePatient> patients, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(patients);
        using var client = LoadGenerator.NewClient(baseAddress, 1);
        var latencies = patients.Select(_ => new List<double>(measured)).ToArray();
        var acknowledged = new long[patients.Count];
        var errors = new long[patients.Count];
        var firstErrors = new string?[patients.Count];
        for (var round = 0; round < warmup + measured; round++)
        {
            for (var k = 0; k < patients.Count; k++)
            {
                var i = (round + k) % patients.Count;
                var patient = patients[i];
                var token = await tokens.TokenAsync(ct).ConfigureAwait(false);
                var sample = patient.History.Live(round, DateTimeOffset.UtcNow);
                var body = System.Text.Encoding.UTF8.GetBytes(
                    WearableFeed.Observation(runId, patient.Id, $"{patient.Id}-l{round.ToString(CultureInfo.InvariantCulture)}", sample));
                var started = Stopwatch.GetTimestamp();
                var (ok, error) = await LoadGenerator.SendAsync(client, "/fhir/Observation", body, token, ct).ConfigureAwait(false);
                var elapsed = Stats.Ms(Stopwatch.GetTimestamp() - started);
                ct.ThrowIfCancellationRequested();
                if (!ok)
                {
                    errors[i]++;
                    firstErrors[i] ??= error;
                    continue;
                }

                acknowledged[i]++;
                if (round >= warmup)
                {
                    latencies[i].Add(elapsed);
                }
            }
        }

        return [.. patients.Select((p, i) => new PostSeries(p.Id, latencies[i], acknowledged[i], errors[i], firstErrors[i]))];
    }
}
