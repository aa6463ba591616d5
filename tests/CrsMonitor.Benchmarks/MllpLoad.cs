using System.Diagnostics;
using System.Net;

namespace CrsMonitor.Benchmarks;

/// <summary>What the MLLP side of one scenario saw besides the numbers: the ACK codes other than AA, and the first of each.</summary>
public sealed record MllpOutcome(Measurement Measurement, long Accepted, IReadOnlyDictionary<string, long> Refusals, IReadOnlyList<string> FirstRefusals)
{
    /// <summary>"AE 3, AR 1, no ACK 2" or "none".</summary>
    public string RefusalText => Refusals.Count == 0 ? "none" : string.Join(", ", Refusals.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key} {r.Value}"));
}

/// <summary>
/// Closed-loop MLLP load: <c>clients</c> connections, each sending its next message once the ACK of the last was read,
/// as an interface engine does on one connection. Warm-up first (left out of the numbers), then the measured period,
/// ended by the clock. An ACK other than AA (or CA) is a failure: counted by its code with the ACK kept (the first few);
/// a connection that fails (closed, timed out) counts "no ACK" and is opened again for the next message. Latency is
/// from just before the frame is written to the whole ACK frame read.
/// </summary>
public static class MllpLoad
{
    /// <summary>How long one ACK may take before the message counts as unanswered (as the HTTP clients' timeout).</summary>
    public static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(60);

    private const string NoAck = "no ACK";
    private const int KeptRefusals = 3;

    public static async Task<MllpOutcome> RunClosedAsync(
        IPEndPoint endpoint, int clients, int observationsPerMessage, Func<byte[]> next, TimeSpan warmup, TimeSpan measure, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(next);
        var connections = new List<MllpClient>(clients);
        try
        {
            for (var i = 0; i < clients; i++)
            {
                connections.Add(await MllpClient.ConnectAsync(endpoint, AckTimeout, ct).ConfigureAwait(false));
            }

            var measureFrom = Stopwatch.GetTimestamp() + Ticks(warmup);
            var end = measureFrom + Ticks(measure);
            var workers = Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
            {
                var tally = new Tally();
                var connection = connections[c];
                while (!ct.IsCancellationRequested)
                {
                    var message = next();
                    var started = Stopwatch.GetTimestamp();
                    if (started >= end)
                    {
                        break;
                    }

                    MllpAck? ack = null;
                    string? failure = null;
                    try
                    {
                        connection ??= await MllpClient.ConnectAsync(endpoint, AckTimeout, ct).ConfigureAwait(false);
                        ack = MllpAck.Parse(await connection.SendAsync(message, ct).ConfigureAwait(false));
                    }
                    catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException && !ct.IsCancellationRequested)
                    {
                        failure = $"{e.GetType().Name}: {e.Message}";
                        if (connection is not null)
                        {
                            await connection.DisposeAsync().ConfigureAwait(false);
                            connection = null;
                        }
                    }

                    var finished = Stopwatch.GetTimestamp();
                    tally.Add(ack, failure, finished - started, finished >= measureFrom && finished <= end, observationsPerMessage);
                }

                connections[c] = connection!;
                return tally;
            }, ct)).ToList();
            var tallies = await Task.WhenAll(workers).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            return Tally.Merge(tallies, measure.TotalSeconds, observationsPerMessage);
        }
        finally
        {
            foreach (var connection in connections.Where(c => c is not null))
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    /// <summary>One connection's counts.</summary>
    private sealed class Tally
    {
        private readonly List<long> latencies = new(4096);
        private readonly Dictionary<string, long> refusals = new(StringComparer.Ordinal);
        private readonly List<string> firstRefusals = [];
        private long accepted;

        public void Add(MllpAck? ack, string? failure, long elapsedTicks, bool measured, int observations)
        {
            if (ack is { Accepted: true })
            {
                accepted++;
                if (measured)
                {
                    latencies.Add(elapsedTicks);
                }

                return;
            }

            var code = ack?.Code ?? NoAck;
            refusals[code] = refusals.GetValueOrDefault(code) + 1;
            if (firstRefusals.Count < KeptRefusals)
            {
                firstRefusals.Add(ack is null ? $"{NoAck}: {failure}" : ack.OneLine());
            }
        }

        public static MllpOutcome Merge(IReadOnlyList<Tally> tallies, double seconds, int observationsPerMessage)
        {
            var all = tallies.SelectMany(t => t.latencies).ToArray();
            Array.Sort(all);
            double Percentile(double p) => all.Length == 0 ? double.NaN : all[(int)Math.Min(all.Length - 1, Math.Ceiling(p * all.Length) - 1)] * 1000.0 / Stopwatch.Frequency;
            var refusals = tallies.SelectMany(t => t.refusals).GroupBy(r => r.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Sum(r => r.Value), StringComparer.Ordinal);
            var errors = refusals.Values.Sum();
            var accepted = tallies.Sum(t => t.accepted);
            var first = tallies.SelectMany(t => t.firstRefusals).Take(KeptRefusals).ToList();
            var measurement = new Measurement(
                seconds, all.Length, all.Length * (long)observationsPerMessage, errors, accepted * observationsPerMessage,
                Percentile(0.50), Percentile(0.99), Percentile(1.0), first.FirstOrDefault(), Unacknowledged: errors * observationsPerMessage);
            return new MllpOutcome(measurement, accepted, refusals, first);
        }
    }
}
