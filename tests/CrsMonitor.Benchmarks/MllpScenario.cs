using System.Globalization;

namespace CrsMonitor.Benchmarks;

/// <summary>Which way the readings went: FHIR REST or HL7 v2 over MLLP.</summary>
public enum V2Path
{
    Fhir,
    Mllp,
}

/// <summary>
/// One measured side of one pair: <paramref name="Readings"/> vital signs per message (1: an Observation POST or an ORU
/// with one OBX; 4: a transaction Bundle of a round or an ORU with four OBX) from <paramref name="Clients"/> clients.
/// <paramref name="Mrns"/> are its patients' MRN values, for the stored check.
/// </summary>
public sealed record SideBySideResult(
    string Provider, int Readings, int Clients, V2Path Path, string Label, Measurement Measurement, MllpOutcome? Mllp, double? OthersCpuPercent,
    IReadOnlyList<string> Mrns)
{
    /// <summary>An unmeasured run before the pairs (JIT, caches): checked as stored, not reported.</summary>
    public bool Priming { get; init; }

    /// <summary>Observations of this side that may have been committed without a 2xx or an AA (errors, timeouts; not AE/AR, which store nothing).</summary>
    public long UnacknowledgedObservations => Path == V2Path.Fhir ? Measurement.Unacknowledged * Readings : Measurement.Unacknowledged;
}

/// <summary>
/// The MLLP scenario of the ingest benchmark (issue 15): against the service process the run already started (its MLLP
/// listener on a free loopback port, <see cref="ServiceProcess"/>), the same vital signs sent both ways side by side, one
/// pair per client count: single readings (FHIR Observation POSTs vs ORU^R01 with one OBX) and a monitor's round of four
/// (FHIR transaction Bundles vs ORU^R01 with four OBX), the FHIR side measured first, then the MLLP side, with the same
/// clients, warm-up and measured time. Each side has its own patients, admitted first (FHIR: PUT Patient and Encounter;
/// MLLP: ADT^A01), so neither sees the other's history. Every ACK other than AA is a failure, counted and kept; after
/// the service stopped, every side's Observations and readings are counted per patient from its database and compared
/// with what was acknowledged (<see cref="CheckStoredAsync"/>). A mismatch, or any message not acknowledged, fails the run.
/// </summary>
public sealed class MllpScenario(BenchmarkOptions options, string runId)
{
    /// <summary>Readings per message of the two pairs: single vital signs, and a monitor's round.</summary>
    public static readonly IReadOnlyList<int> ReadingsPerMessage = [1, RoundVitals.Round.Count];

    private readonly List<SideBySideResult> results = [];
    private readonly List<string> notes = [];
    private readonly Dictionary<string, long> admitted = new(StringComparer.Ordinal);

    public IReadOnlyList<SideBySideResult> Results => results;

    public IReadOnlyList<string> Notes => notes;

    /// <summary>Why the run failed although it measured (acknowledged readings not stored exactly once); null when it did not.</summary>
    public string? Failure { get; private set; }

    private TimeSpan Warmup => TimeSpan.FromSeconds(options.WarmupSeconds);

    private TimeSpan Measured => TimeSpan.FromSeconds(options.Seconds);

    /// <summary>The longest the scenario may take on each database: every side with admission and slack.</summary>
    public static TimeSpan Budget(BenchmarkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var sides = (options.MllpClients.Count + 1) * ReadingsPerMessage.Count * 2;
        return TimeSpan.FromSeconds(sides * (options.Seconds + options.WarmupSeconds + 30));
    }

    /// <summary>Observations acknowledged on <paramref name="provider"/> (warm-up included) and those sent without a 2xx or AA, for the run's overall check.</summary>
    public (long Acknowledged, long Unacknowledged) Totals(string provider)
    {
        var mine = results.Where(r => r.Provider == provider).ToList();
        return (mine.Sum(r => r.Measurement.Acknowledged), mine.Sum(r => r.UnacknowledgedObservations));
    }

    /// <summary>
    /// Measures every pair on the running service, after priming: each of the four sides once, unmeasured, for the
    /// warm-up time with the most clients on patients of its own (so the first pair does not pay for the service's JIT
    /// and caches; primed readings are checked as stored like the others).
    /// </summary>
    public async Task MeasureAsync(ServiceProcess service, string provider, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (options.WarmupSeconds > 0)
        {
            foreach (var readings in ReadingsPerMessage)
            {
                foreach (var path in new[] { V2Path.Fhir, V2Path.Mllp })
                {
                    await RunSideAsync(service, provider, readings, options.MllpClients.Max(), path, priming: true, ct).ConfigureAwait(false);
                }
            }
        }

        foreach (var clients in options.MllpClients)
        {
            foreach (var readings in ReadingsPerMessage)
            {
                await RunSideAsync(service, provider, readings, clients, V2Path.Fhir, priming: false, ct).ConfigureAwait(false);
                await RunSideAsync(service, provider, readings, clients, V2Path.Mllp, priming: false, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One side of one pair: its own patients admitted, then the closed loop (priming: only the warm-up time, nothing measured).</summary>
    private async Task RunSideAsync(ServiceProcess service, string provider, int readings, int clients, V2Path path, bool priming, CancellationToken ct)
    {
        var key = string.Create(CultureInfo.InvariantCulture, $"{(priming ? "prime-" : string.Empty)}{(readings == 1 ? "single" : "round")}-c{clients}");
        var prefix = $"{provider.ToLowerInvariant()}-{(path == V2Path.Fhir ? "fhir" : "v2")}-{key}";
        var measured = priming ? TimeSpan.Zero : Measured;
        if (path == V2Path.Fhir)
        {
            // The ingest scenario's clients and admission.
            var fhir = new Payloads(runId, prefix, options.Patients);
            var workload = readings == 1
                ? new Workload($"fhir-{key}", "Observation POST (1 vital sign)", "/fhir/Observation", 1, clients, p => p.NextVital())
                : new Workload($"fhir-{key}", $"transaction Bundle of {readings} (a round)", "/fhir", readings, clients, p => p.NextRound());
            await service.EnsureTokenFor(Warmup + Measured + TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
            await BenchmarkRun.AdmitAsync(service, fhir, ct).ConfigureAwait(false);
            Settle();
            var before = MachineLoad.Sample();
            var m = await LoadGenerator.RunClosedAsync(service.BaseAddress, () => service.Token, workload, fhir, Warmup, measured, ct).ConfigureAwait(false);
            Add(new SideBySideResult(provider, readings, clients, V2Path.Fhir, workload.Label, m, null, MachineLoad.OthersPercent(before, MachineLoad.Sample()),
                Mrns(fhir.Patients, fhir.PatientId)) { Priming = priming });
            if (m.Errors > 0)
            {
                notes.Add($"{provider} FHIR {workload.Label}, {clients} clients{(priming ? " (priming)" : string.Empty)}: {m.Errors} errors, first: {m.FirstError}");
            }

            return;
        }

        // The same readings as ORU^R01, patients admitted by ADT^A01.
        var v2 = new V2Payloads(runId, prefix, options.Patients);
        await AdmitAsync(service.MllpEndPoint, v2, ct).ConfigureAwait(false);
        admitted[provider] = admitted.GetValueOrDefault(provider) + v2.Patients;
        Settle();
        var start = MachineLoad.Sample();
        var outcome = await MllpLoad.RunClosedAsync(service.MllpEndPoint, clients, readings, readings == 1 ? v2.NextSingle : v2.NextRound, Warmup, measured, ct)
            .ConfigureAwait(false);
        Add(new SideBySideResult(provider, readings, clients, V2Path.Mllp, $"ORU^R01 with {readings} OBX", outcome.Measurement, outcome,
            MachineLoad.OthersPercent(start, MachineLoad.Sample()), Mrns(v2.Patients, v2.PatientId)) { Priming = priming });
        if (outcome.Refusals.Count > 0)
        {
            notes.Add($"{provider} MLLP ORU^R01 with {readings} OBX, {clients} connections{(priming ? " (priming)" : string.Empty)}: not accepted: {outcome.RefusalText}; first: "
                + string.Join(" | ", outcome.FirstRefusals));
        }
    }

    /// <summary>
    /// After the service stopped: per side, the Observations and readings stored for its patients against those
    /// acknowledged (2xx, AA; warm-up included), the ORU results against the AA ACKs, and the v2 message log against
    /// the messages accepted. A mismatch is noted and fails the run after the report.
    /// </summary>
    public async Task CheckStoredAsync(string provider, string connection, CancellationToken ct)
    {
        var counts = await SideBySideCounts.ReadAsync(provider, connection, ct).ConfigureAwait(false);
        var wrong = new List<string>();
        foreach (var path in new[] { V2Path.Fhir, V2Path.Mllp })
        {
            var rows = results.Where(r => r.Provider == provider && r.Path == path).ToList();
            long acknowledged = rows.Sum(r => r.Measurement.Acknowledged), unacknowledged = rows.Sum(r => r.UnacknowledgedObservations);
            long observations = 0, readings = 0;
            foreach (var row in rows)
            {
                var stored = row.Mrns.Sum(mrn => counts.ObservationsByMrn.GetValueOrDefault(mrn));
                var read = row.Mrns.Sum(mrn => counts.ReadingsByMrn.GetValueOrDefault(mrn));
                observations += stored;
                readings += read;
                if (StoredCheck.Verdict(stored, row.Measurement.Acknowledged, row.UnacknowledgedObservations) == StoredCheck.Mismatch
                    || StoredCheck.Verdict(read, row.Measurement.Acknowledged, row.UnacknowledgedObservations) == StoredCheck.Mismatch)
                {
                    wrong.Add(Inv($"{Name(path)} {row.Label} c{row.Clients}: {row.Measurement.Acknowledged:N0} acknowledged, {stored:N0} Observations and {read:N0} readings stored"));
                }
            }

            var line = Inv($"{provider}, {Name(path)} side: {acknowledged:N0} readings acknowledged ({(path == V2Path.Fhir ? "2xx" : "AA")}, warm-up and priming included), ")
                + Inv($"{observations:N0} Observations stored for its patients ({StoredCheck.Verdict(observations, acknowledged, unacknowledged)}), {readings:N0} readings");
            if (path == V2Path.Mllp)
            {
                var accepted = rows.Sum(r => r.Mllp!.Accepted);
                var logged = counts.LoggedMessages.GetValueOrDefault(("ORU^R01", "AA"));
                var admissions = counts.LoggedMessages.GetValueOrDefault(("ADT^A01", "AA"));
                line += Inv($"; {counts.V2ResultObservations:N0} Observations from ORU results; message log: {logged:N0} ORU^R01 AA for {accepted:N0} AA received, ")
                    + Inv($"{admissions:N0} ADT^A01 AA for {admitted.GetValueOrDefault(provider):N0} admissions");
                var others = counts.LoggedMessages.Where(l => l.Key.Ack != "AA").ToList();
                if (others.Count > 0)
                {
                    line += "; refused and logged: " + string.Join(", ", others.Select(l => Inv($"{l.Key.Type} {l.Key.Ack} {l.Value:N0}")));
                }

                if (StoredCheck.Verdict(counts.V2ResultObservations, acknowledged, unacknowledged) == StoredCheck.Mismatch
                    || StoredCheck.Verdict(logged, accepted, rows.Sum(r => r.Measurement.Errors)) == StoredCheck.Mismatch)
                {
                    wrong.Add(Inv($"MLLP: {acknowledged:N0} results acknowledged in {accepted:N0} AA, {counts.V2ResultObservations:N0} stored, {logged:N0} messages logged AA"));
                }
            }

            notes.Add(line + ".");
        }

        if (wrong.Count > 0)
        {
            notes.Add($"{provider}: {StoredCheck.Mismatch} {string.Join("; ", wrong)}");
            Failure ??= $"{provider}: acknowledged readings not stored exactly once: {string.Join("; ", wrong)}";
        }

        // The messages are valid: an ACK other than AA, or an HTTP error, means the figures are not those of the write path.
        var failed = results.Where(r => r.Provider == provider).Sum(r => r.Measurement.Errors);
        if (failed > 0)
        {
            Failure ??= Inv($"{provider}: {failed:N0} messages not acknowledged (ACK other than AA, no ACK, or HTTP error): see the notes");
        }
    }

    /// <summary>Admits the MLLP side's patients: one ADT^A01 each (to the ward the FHIR side's admission created), on 4 connections; anything but AA stops the run.</summary>
    private static async Task AdmitAsync(System.Net.IPEndPoint endpoint, V2Payloads payloads, CancellationToken ct)
    {
        var connections = Math.Min(4, payloads.Patients);
        await Parallel.ForEachAsync(Enumerable.Range(0, connections), new ParallelOptions { MaxDegreeOfParallelism = connections, CancellationToken = ct }, async (c, token) =>
        {
            var client = await MllpClient.ConnectAsync(endpoint, MllpLoad.AckTimeout, token).ConfigureAwait(false);
            await using (client.ConfigureAwait(false))
            {
                for (var i = c; i < payloads.Patients; i += connections)
                {
                    var ack = MllpAck.Parse(await client.SendAsync(payloads.Admit(i, Payloads.Unit), token).ConfigureAwait(false));
                    if (!ack.Accepted)
                    {
                        throw new InvalidOperationException($"ADT^A01 of {payloads.PatientId(i)} was answered {ack.Code}: {ack.OneLine()}");
                    }
                }
            }
        }).ConfigureAwait(false);
    }

    private void Add(SideBySideResult r)
    {
        results.Add(r);
        var m = r.Measurement;
        if (r.Priming)
        {
            Progress(Inv($"  {Name(r.Path),-5} {r.Provider,-10} {r.Label,-36} c{r.Clients,-3} primed: {m.Acknowledged:N0} readings acknowledged, failures {(r.Mllp is { } p ? p.RefusalText : m.Errors.ToString(CultureInfo.InvariantCulture))}"));
            return;
        }

        Progress(Inv($"  {Name(r.Path),-5} {r.Provider,-10} {r.Label,-36} c{r.Clients,-3} {m.RequestsPerSecond,8:N0} msg/s {m.ObservationsPerSecond,8:N0} obs/s  ")
            + Inv($"p50 {m.P50,7:0.00} ms  p99 {m.P99,7:0.00} ms  failures {(r.Mllp is { } o ? o.RefusalText : m.Errors.ToString(CultureInfo.InvariantCulture))}  others' CPU {r.OthersCpuPercent:0}%"));
    }

    private static IReadOnlyList<string> Mrns(int patients, Func<int, string> id) => [.. Enumerable.Range(0, patients).Select(i => $"MRN-{id(i)}")];

    internal static string Name(V2Path path) => path == V2Path.Fhir ? "FHIR" : "MLLP";

    private static void Settle()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
    }

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static void Progress(string line) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");
}
