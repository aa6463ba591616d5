using System.Diagnostics;
using System.Globalization;

namespace CrsMonitor.Benchmarks;

/// <summary>A measured patient of the long course: its FHIR id and its history.</summary>
public sealed record CoursePatient(string Id, CourseHistory History);

/// <summary>How one patient's history went in: Bundles sent, time, acknowledged Observations, Bundle latency.</summary>
public sealed record HistoryLoad(string Patient, int Readings, int Bundles, double Seconds, long Acknowledged, LatencyStats BundleMs, double LastBundleMs)
{
    public double ReadingsPerSecond => Seconds > 0 ? Acknowledged / Seconds : double.NaN;
}

/// <summary>
/// Loads the patients' histories through the service's API as the wearable's gateway sends them: transaction Bundles of
/// <see cref="BundleSize"/> Observations in time order, one Bundle after the other per patient (a gateway does not
/// send a patient's later readings before the earlier ones are stored), the patients in parallel, one connection each.
/// Prints each patient's progress every <see cref="ProgressEvery"/>. A Bundle that is not answered 2xx ends the run.
/// </summary>
public sealed class HistoryLoader(Uri baseAddress, TokenKeeper tokens, string runId)
{
    public const int BundleSize = 100;

    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(15);

    public async Task<IReadOnlyList<HistoryLoad>> LoadAsync(IReadOnlyList<CoursePatient> patients, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(patients);
        using var client = LoadGenerator.NewClient(baseAddress, Math.Max(1, patients.Count));
        var progress = patients.Select(p => new Progress(p)).ToArray();
        var started = Stopwatch.GetTimestamp();
        using var printer = new Timer(_ => Print(progress, started), null, ProgressEvery, ProgressEvery);
        var loads = await Task.WhenAll(progress.Select(p => Task.Run(() => LoadOneAsync(client, p, ct), ct))).ConfigureAwait(false);
        Print(progress, started);
        return loads;
    }

    private async Task<HistoryLoad> LoadOneAsync(HttpClient client, Progress progress, CancellationToken ct)
    {
        var patient = progress.Patient;
        var started = Stopwatch.GetTimestamp();
        var latencies = new List<double>();
        var index = 0;
        foreach (var chunk in patient.History.Readings().Chunk(BundleSize))
        {
            var body = WearableFeed.Bundle(chunk.Select(r => WearableFeed.Observation(runId, patient.Id, $"{patient.Id}-h{(index++).ToString(CultureInfo.InvariantCulture)}", r)));
            var token = await tokens.TokenAsync(ct).ConfigureAwait(false);
            var sent = Stopwatch.GetTimestamp();
            var (ok, error) = await LoadGenerator.SendAsync(client, "/fhir", body, token, ct).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            if (!ok)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"history of {patient.Id}: the Bundle of readings {index - chunk.Length:N0}-{index - 1:N0} was not stored: {error}"));
            }

            latencies.Add(Stats.Ms(Stopwatch.GetTimestamp() - sent));
            progress.Stored(chunk.Length, latencies[^1]);
        }

        return new HistoryLoad(patient.Id, patient.History.Count, latencies.Count, Stats.Ms(Stopwatch.GetTimestamp() - started) / 1000, index,
            Stats.Of(latencies), latencies.Count > 0 ? latencies[^1] : double.NaN);
    }

    private static void Print(IReadOnlyList<Progress> progress, long started) => Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"[{DateTime.Now:HH:mm:ss}]   history after {Stats.Ms(Stopwatch.GetTimestamp() - started) / 1000:0} s: {string.Join("; ", progress.Where(p => p.Patient.History.Count > 0).Select(p => p.Text()))}"));

    /// <summary>One patient's loading so far (written by its loader, read by the printer).</summary>
    private sealed class Progress(CoursePatient patient)
    {
        private readonly long started = Stopwatch.GetTimestamp();
        private long stored;
        private long lastStored;
        private double lastBundleMs = double.NaN;

        public CoursePatient Patient => patient;

        public void Stored(int readings, double bundleMs)
        {
            Volatile.Write(ref lastBundleMs, bundleMs);
            Volatile.Write(ref lastStored, Stopwatch.GetTimestamp());
            Interlocked.Add(ref stored, readings);
        }

        public string Text()
        {
            var done = Interlocked.Read(ref stored);
            var seconds = Stats.Ms(Math.Max(started, Volatile.Read(ref lastStored)) - started) / 1000;
            return string.Create(CultureInfo.InvariantCulture,
                $"{patient.Id} {done:N0}/{patient.History.Count:N0} ({100.0 * done / patient.History.Count:0} %, "
                + $"{done / Math.Max(seconds, 0.001):N0}/s, last Bundle {Volatile.Read(ref lastBundleMs):0} ms)");
        }
    }
}
