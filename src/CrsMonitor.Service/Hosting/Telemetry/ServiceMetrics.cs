using System.Diagnostics.Metrics;

namespace CrsMonitor.Service.Hosting.Telemetry;

/// <summary>
/// The service's own instruments, on the meter <see cref="MeterName"/> (read at <c>GET /metrics</c>, README
/// "Observability"). Labels are closed vocabularies only (resource types this service keeps, outcomes, event kinds,
/// escalation tiers, who found a missed wake-up): never a patient, a unit, a resource id, a user or a path, so a
/// scrape holds no patient data and no label can grow without bound. Durations are in seconds, measured on the
/// host's <see cref="TimeProvider"/>. Callers make one call each; nothing here throws.
/// </summary>
public sealed class ServiceMetrics
{
    public const string MeterName = "CrsMonitor";

    /// <summary>Histogram buckets (seconds) for sub-second work: a grading pass, an alert push, a scheduler's lateness.</summary>
    internal static readonly double[] SecondsBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

    private static readonly HashSet<string> KnownTypes =
        ["Patient", "Location", "Encounter", "Observation", "MedicationAdministration", "MedicationStatement", "QuestionnaireResponse", "Bundle"];

    private readonly Counter<long> resources;
    private readonly Counter<long> readings;
    private readonly Histogram<double> grading;
    private readonly Histogram<double> pushLatency;
    private readonly Counter<long> escalations;
    private readonly Histogram<double> schedulerLag;
    private readonly Counter<long> missedWakeUps;
    private readonly TimeProvider time;
    private Func<int>? writeQueueDepth;

    public ServiceMetrics(IMeterFactory meters, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(meters);
        this.time = time;
        var meter = meters.Create(MeterName);
        resources = meter.CreateCounter<long>(
            "crsmonitor.ingest.resources", "{resource}", "FHIR resources received by /fhir, by resource type and outcome (a Bundle's entries each count; a refused Bundle counts once as Bundle)");
        readings = meter.CreateCounter<long>(
            "crsmonitor.ingest.readings", "{reading}", "Readings derived from the FHIR resource versions stored, by resource type");
        grading = meter.CreateHistogram(
            "crsmonitor.grading.duration", "s", "Time to re-grade one patient's timeline after its readings changed (inside the write transaction)",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        meter.CreateObservableGauge(
            "crsmonitor.sqlite.write_queue.depth", () => writeQueueDepth?.Invoke() ?? 0, "{unit_of_work}",
            "Units of work waiting for SQLite's one writer (0 on PostgreSQL and SQL Server)");
        pushLatency = meter.CreateHistogram(
            "crsmonitor.alert.push.latency", "s", "From the commit of an alert change (its alert_change.at) to its SignalR push to the unit's dashboards, by change kind",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        escalations = meter.CreateCounter<long>(
            "crsmonitor.alert.escalations", "{escalation}", "Unacknowledged alerts escalated, by the tier reached");
        schedulerLag = meter.CreateHistogram(
            "crsmonitor.scheduler.lag", "s", "How late Quartz fired a monitoring window's wake-up (actual fire time minus scheduled fire time)",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        missedWakeUps = meter.CreateCounter<long>(
            "crsmonitor.scheduler.missed_wakeups", "{wakeup}", "Monitoring wake-ups not fired on time: Quartz misfires (detected_by=quartz-misfire) and late windows the watchdog took over (detected_by=watchdog)");
    }

    /// <summary>Ingest outcomes (the <c>outcome</c> label).</summary>
    public static class Outcomes
    {
        public const string Created = "created";
        public const string Updated = "updated";
        public const string Unchanged = "unchanged";
        public const string Rejected = "rejected";
        public const string Forbidden = "forbidden";
        public const string Unavailable = "unavailable";

        /// <summary>The outcome of a refusal answered with <paramref name="status"/>.</summary>
        public static string OfRefusal(int status) => status switch
        {
            StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden => Forbidden,
            StatusCodes.Status503ServiceUnavailable => Unavailable,
            _ => Rejected,
        };
    }

    /// <summary>One FHIR resource received and answered with <paramref name="outcome"/> (<see cref="Outcomes"/>).</summary>
    public void Resource(string? resourceType, string outcome) =>
        resources.Add(1, new KeyValuePair<string, object?>("fhir.resource_type", TypeLabel(resourceType)), new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary><paramref name="count"/> readings stored from one resource version.</summary>
    public void Readings(string? resourceType, int count)
    {
        if (count > 0)
        {
            readings.Add(count, new KeyValuePair<string, object?>("fhir.resource_type", TypeLabel(resourceType)));
        }
    }

    /// <summary>Now, as a timestamp of the host's clock (give it back to <see cref="Graded"/>).</summary>
    public long Timestamp() => time.GetTimestamp();

    /// <summary>A re-grading pass that began at <paramref name="started"/> (<see cref="Timestamp"/>) has ended.</summary>
    public void Graded(long started) => grading.Record(time.GetElapsedTime(started).TotalSeconds);

    /// <summary>Where <c>crsmonitor.sqlite.write_queue.depth</c> is read (the SQLite write queue, when there is one).</summary>
    public void ObserveWriteQueue(Func<int> depth) => writeQueueDepth = depth;

    /// <summary>
    /// An alert change of <paramref name="kind"/> (alertRaised, alertUpdated, alertMoved) pushed now; it was committed at
    /// <paramref name="committedAt"/> (its <c>alert_change.at</c>, taken in the transaction just before the commit).
    /// </summary>
    public void AlertPushed(string kind, DateTimeOffset committedAt) =>
        pushLatency.Record(Math.Max(0, (time.GetUtcNow() - committedAt).TotalSeconds), new KeyValuePair<string, object?>("kind", kind switch
        {
            "alertRaised" or "alertUpdated" or "alertMoved" => kind,
            _ => "other",
        }));

    public void Escalated(int tier) => escalations.Add(1, new KeyValuePair<string, object?>("tier", tier));

    public void WakeUpFired(TimeSpan lag) => schedulerLag.Record(Math.Max(0, lag.TotalSeconds));

    /// <summary><paramref name="count"/> wake-ups found missed by <paramref name="detectedBy"/> (quartz-misfire, watchdog).</summary>
    public void WakeUpsMissed(string detectedBy, int count = 1)
    {
        if (count > 0)
        {
            missedWakeUps.Add(count, new KeyValuePair<string, object?>("detected_by", detectedBy));
        }
    }

    private static string TypeLabel(string? type) => type is not null && KnownTypes.Contains(type) ? type : "other";
}
