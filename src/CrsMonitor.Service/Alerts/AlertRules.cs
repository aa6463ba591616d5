using CrsMonitor.Grading;
using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Monitoring.Protocols;
using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Readings;

namespace CrsMonitor.Service.Alerts;

/// <summary>What the alert rules look at for one patient at "now".</summary>
public sealed record AlertFacts(
    DateTimeOffset Now,
    GradePointDocument? Crs,
    GradePointDocument? Icans,
    IReadOnlyList<EpisodeSpan> Episodes,
    IReadOnlyList<Reading> Readings,
    IReadOnlyList<WindowRow> Windows,
    IReadOnlyList<EventRow> Events,
    Protocol? Protocol,
    AlertThresholds? Thresholds = null,
    IReadOnlyList<Devices.StreamState>? Streams = null);

/// <summary>
/// The settings the rules read beside the grades: CRS-SPO2's threshold (<c>Grading:HypoxiaAlertSpo2BelowPercent</c>) and
/// how long an SpO2 or an oxygen device stays current (<c>ContinuousGrading:VitalsStaleAfter</c>, <c>OxygenDeviceStaleAfter</c>).
/// </summary>
public sealed record AlertThresholds(decimal HypoxiaSpo2BelowPercent, TimeSpan VitalsStaleAfter, TimeSpan OxygenDeviceStaleAfter)
{
    public static readonly AlertThresholds Default = new(90m, TimeSpan.FromHours(4), TimeSpan.FromHours(4));
}

/// <summary>An alert the rules want open (one per condition and episode key).</summary>
public sealed record AlertCandidate(
    string Condition, string EpisodeKey, int? Grade, string Title, string Message, AlertBasis Basis, ManagementReference? Management);

/// <summary>
/// The alert rules (issue 5), a table of conditions evaluated on the patient's current grades, episodes, monitoring
/// events and readings. Each candidate is keyed by its episode (the CRS or ICANS episode's onset, the window, the
/// dose), so a condition raises one alert per episode, updated in place as it worsens.
/// <list type="table">
/// <item><term>crs, icans</term><description>grade ≥ 1 in an episode; a higher grade updates it (and re-arms it).</description></item>
/// <item><term>clinician-review</term><description><c>suspected-masked-fever</c> only (reason or flag): per scale and CRS episode, else day. A not-gradable result that only lacks an input, and other review flags, raise nothing (section 7).</description></item>
/// <item><term>spo2-without-oxygen</term><description>CRS-SPO2: SpO2 below the threshold on room air, or with no oxygen device or flow recorded at all (the grader then has no hypoxia input and never sees the SpO2); per day.</description></item>
/// <item><term>check-overdue</term><description>the overdue checks of every open window; one per patient, updated in place as more fall overdue (and re-armed by a new one).</description></item>
/// <item><term>window-maximum-passed</term><description>an open window past its latest end without a decision.</description></item>
/// <item><term>stop-infusion</term><description>CRS (grade ≥ 1 or fever) while a protocol-drug infusion runs: the label says stop it.</description></item>
/// <item><term>permanently-discontinue</term><description>grade 4 CRS: the label says permanently discontinue.</description></item>
/// <item><term>no-data</term><description>enrolled device streams silent past cadence + grace inside an open window (issue 17); one per patient, updated in place as more go silent or some come back, re-armed by a gap it did not list, resolved by the system when none is left.</description></item>
/// <item><term>assess-ice-now</term><description>a home check-in reporting a neuro symptom (caregiver- or patient-reported), within 24 h; one per submission; never deferred by the round settle.</description></item>
/// </list>
/// </summary>
public static class AlertRules
{
    /// <summary>The episode key of the patient's one check-overdue alert.</summary>
    public const string CheckOverdueKey = "checks";

    /// <summary>The episode key of the patient's one no-data alert (issue 17).</summary>
    public const string NoDataKey = "streams";

    /// <summary>Basis flags of an alert that rests on what a patient or caregiver reported from home (issue 17).</summary>
    public const string CaregiverReported = "caregiver-reported";

    public const string PatientReported = "patient-reported";

    /// <summary>How old a reported neuro symptom may be and still raise <c>assess-ice-now</c> (an old report loaded again raises nothing new).</summary>
    public static readonly TimeSpan ReportedSymptomRecent = TimeSpan.FromHours(24);

    public static IReadOnlyList<AlertCandidate> Evaluate(AlertFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var result = new List<AlertCandidate>();
        foreach (var (scale, point, condition) in new[] { (Scale.Crs, facts.Crs, Conditions.Crs), (Scale.Icans, facts.Icans, Conditions.Icans) })
        {
            var name = scale.Label();
            if (point is null)
            {
                continue;
            }

            var r = point.Result;
            if (r.Status == "graded" && r.Grade is >= 1 and var grade)
            {
                var episode = facts.Episodes.Where(e => e.Scale == scale && e.OnsetAt <= facts.Now).MaxBy(e => e.OnsetAt);
                var key = $"{scale.Code()}:{Key(episode?.OnsetAt ?? point.At)}";
                result.Add(new AlertCandidate(condition, key, grade, $"{name} grade {grade}", Summary(r), Basis(point), Management(facts.Protocol, scale, grade)));
                if (scale == Scale.Crs && grade >= 4)
                {
                    var text = Management(facts.Protocol, Scale.Crs, grade);
                    result.Add(new AlertCandidate(Conditions.PermanentlyDiscontinue, key, grade, $"Grade {grade} CRS: permanently discontinue (label)",
                        text?.Text ?? "Grade 4 CRS: the label says permanently discontinue the drug. Future doses need a physician's confirmation.", Basis(point), text));
                }
            }

            if (SuspectedMaskedFever(r))
            {
                var episode = facts.Episodes.Where(e => e.Scale == scale && e.ActiveAt(facts.Now)).MaxBy(e => e.OnsetAt);
                var key = $"{scale.Code()}:{NotGradableReasons.SuspectedMaskedFever}:{(episode is null ? Day(facts.Now) : Key(episode.OnsetAt))}";
                result.Add(new AlertCandidate(Conditions.ClinicianReview, key, null, $"{name}: clinician review needed",
                    r.Status == "not-gradable"
                        ? $"{name} cannot be graded automatically ({NotGradableReasons.SuspectedMaskedFever}): fever may be masked, assess the patient. {Summary(r)}"
                        : $"{name} grade {r.Grade} may understate a masked fever ({NotGradableReasons.SuspectedMaskedFever}): assess the patient. {Summary(r)}",
                    Basis(point), null));
            }
        }

        if (facts.Crs is { } crs && crs.Result.Flags.Contains(GradeFlags.HypoxiaWithoutDocumentedSupport))
        {
            result.Add(new AlertCandidate(Conditions.Spo2WithoutOxygen, $"spo2:{Day(facts.Now)}", null, "SpO2 below 90% with no oxygen documented",
                "Room-air SpO2 is below the alert threshold and no oxygen support is documented: check the patient and document oxygen (CRS-SPO2).",
                Basis(crs, Conditions.Spo2WithoutOxygen), null));
        }
        else if (LowSpo2WithNoOxygenRecorded(facts) is { } spo2)
        {
            result.Add(new AlertCandidate(Conditions.Spo2WithoutOxygen, $"spo2:{Day(facts.Now)}", null, "SpO2 below 90% with no oxygen documented",
                "SpO2 is below the alert threshold and no oxygen device or flow is documented: check the patient and document oxygen (CRS-SPO2).",
                Spo2Basis(facts, spo2), null));
        }

        var open = facts.Windows.Where(w => w.State == WindowState.Open).ToList();
        var overdue = facts.Events
            .Where(e => e.Kind == EventKinds.CheckOverdue && open.Any(w => w.Id == e.WindowId))
            .OrderBy(e => e.OccurredAt).ThenBy(e => e.Id).ToList();
        if (overdue.Count > 0)
        {
            // Each described once (its detail read once), for the message and for the basis.
            var described = overdue.ToDictionary(e => e, e => $"{Describe(e)} ({open.First(w => w.Id == e.WindowId).ProtocolWindowId} window)");
            // One alert per patient, whatever the windows (section 7: never one per slot or per window).
            result.Add(new AlertCandidate(Conditions.CheckOverdue, CheckOverdueKey, null,
                overdue.Count == 1 ? "Check overdue" : $"{overdue.Count} checks overdue",
                $"Overdue: {string.Join("; ", overdue.Select(e => described[e]))}.", EventBasis(overdue, e => described[e]), null));
        }

        foreach (var window in open)
        {
            if (facts.Events.Any(e => e.WindowId == window.Id && e.Kind == EventKinds.MaximumPassed) && window.ClosedAt is null)
            {
                result.Add(new AlertCandidate(Conditions.WindowMaximumPassed, $"window:{window.Id}:{Key(window.LatestEndAt)}", null,
                    "Monitoring window past its maximum",
                    $"The {window.ProtocolWindowId} window reached its latest end at {Key(window.LatestEndAt)} without a decision: discharge, extend or admit.",
                    EventBasis(facts.Events.Where(e => e.WindowId == window.Id && e.Kind == EventKinds.MaximumPassed).ToList()), null));
            }
        }

        if (facts.Streams?.Where(s => s.State == Devices.StreamStateNames.NoData).ToList() is { Count: > 0 } gaps)
        {
            // One alert per patient, whatever the devices and signals (section 7: missing data is one alert, updated in place).
            result.Add(new AlertCandidate(Conditions.NoData, NoDataKey, null,
                gaps.Count == 1 ? $"No data: {Devices.Signals.Words(gaps[0].Signal)}" : $"No data: {gaps.Count} signals",
                $"No data (not normal) from: {string.Join("; ", gaps.Select(Gap))}. Check the device and the patient.",
                new AlertBasis("CrsMonitor device streams", null, null, [], [.. gaps.Select(g => new RuleResponse(Conditions.NoData, Gap(g)))], [], [], []), null));
        }

        // The fever domain of the typed result (CRS-FEVER: graded 1 when a fever counts), never the rule's English text.
        var fever = facts.Crs?.Result.Domains.Any(d => d.Domain == "fever" && d.Status == Vocabulary.DomainStatus.Code(DomainStatus.Graded) && d.Grade > 0) == true;
        if (facts.Crs is { Result: var c } crsPoint && (c.Grade is >= 1 || fever))
        {
            foreach (var infusion in facts.Readings.Where(r => r.Kind == ReadingKind.Medication && r.Qualifier == "protocol-drug" && r.EndAt is null && r.EffectiveAt <= facts.Now))
            {
                var during = facts.Protocol?.DuringInfusion;
                result.Add(new AlertCandidate(Conditions.StopInfusion, $"infusion:{infusion.Source.ResourceId}", c.Grade, "CRS during the infusion: stop the infusion (label)",
                    during?.Text ?? "An infusion is in progress: at the first sign of CRS, stop the infusion.", Basis(crsPoint),
                    during is null || facts.Protocol is null ? null
                        : new ManagementReference(during.Text, during.Source, facts.Protocol.Id, facts.Protocol.Version, ManagementReference.ReferenceNote)));
            }
        }

        foreach (var report in facts.Readings.Where(r => r.Kind == ReadingKind.ReportedSymptom && r.Code == "neuro"
            && r.EffectiveAt <= facts.Now && facts.Now - r.EffectiveAt <= ReportedSymptomRecent))
        {
            result.Add(AssessIceNow(report));
        }

        return result;
    }

    /// <summary>
    /// Neuro symptoms reported from home (the check-in's QuestionnaireResponse): "assess ICE now", one per submission
    /// (keyed by its resource), flagged caregiver- or patient-reported. Never an ICANS grade: ICE is a clinician's assessment.
    /// </summary>
    private static AlertCandidate AssessIceNow(Reading report)
    {
        var caregiver = report.ReportedBy == ReportedBy.Caregiver;
        var who = caregiver ? "Caregiver" : "Patient";
        var symptoms = report.Detail?.Symptoms ?? [];
        var words = string.Join(", ", symptoms.Select(s => Ingest.HomeCheckIn.TextOf(s) ?? s));
        var source = $"{report.Source.ResourceType}/{report.Source.ResourceId}";
        var text = $"{who}-reported at home at {Key(report.EffectiveAt)}: {words}. Not an ICANS grade: assess ICE now (assess-ice-now).";
        return new AlertCandidate(Conditions.AssessIceNow, $"checkin:{report.Source.ResourceId}", null,
            $"Assess ICE now ({who.ToLowerInvariant()}-reported)", text,
            new AlertBasis("CrsMonitor home check-in", null, null, [caregiver ? CaregiverReported : PatientReported],
                [new RuleResponse(Conditions.AssessIceNow, text)],
                [new BasisResponse("reportedSymptoms", words, report.EffectiveAt, $"{source}/_history/{report.Source.VersionId}", Stale: false)],
                [source], []),
            null);
    }

    private static ManagementReference? Management(Protocol? protocol, Scale toxicity, int grade) =>
        protocol?.ManagementFor(toxicity, grade) is { } m
            ? new ManagementReference(m.Text, m.Source, protocol.Id, protocol.Version, ManagementReference.ReferenceNote)
            : null;

    /// <summary>
    /// The grade's basis, and the readings that trigger the alert: the reading(s) that caused the current grade point and
    /// the inputs behind each positive finding (the fever of a grade made by its oxygen, the neuro check of an ICANS
    /// grade), so a worse grade still names the fever that opened it. Inputs that only show a normal value are in
    /// <c>inputs</c>, not in <c>readings</c>.
    /// </summary>
    private static AlertBasis Basis(GradePointDocument point, string? condition = null) => new(
        point.Result.System, point.Result.Status, point.Result.Reason, point.Result.Flags, point.Result.Rules, point.Basis,
        [.. point.Cause.Select(c => $"{c.ResourceType}/{c.ResourceId}")
            .Concat(point.Basis.Where(b => !b.Stale && Triggers(point, condition, b.Name)).Select(b => Resource(b.Source)))
            .Distinct()],
        point.StaleOrMissing);

    /// <summary>Whether a basis input is a finding behind this alert (by the grade's positive domains, or the condition).</summary>
    private static bool Triggers(GradePointDocument point, string? condition, string input)
    {
        if (condition == Conditions.Spo2WithoutOxygen)
        {
            return input is "roomAirSpo2" or "oxygenDevice";
        }

        if (point.Result.Status != "graded" || point.Result.Grade is not >= 1)
        {
            return point.Scale == Scale.Icans && input == "neuroCheck"; // a not-gradable ICANS rests on the check that could not be scored
        }

        if (point.Scale == Scale.Icans)
        {
            return input == "neuroCheck";
        }

        bool Positive(string domain) => point.Result.Domains.Any(d => d.Domain == domain && d.Grade is >= 1);
        return input switch
        {
            "temperature" => Positive("fever"),
            "feverTherapy" => point.Result.Flags.Contains(GradeFlags.FeverMasked),
            "systolicBp" or "vasoactive" or "fluidBolus" => Positive("hypotension"),
            "oxygenDevice" or "oxygenFlow" => Positive("hypoxia"),
            _ => false,
        };
    }

    /// <summary><c>Observation/abc/_history/2</c> → <c>Observation/abc</c>.</summary>
    private static string Resource(string source) =>
        source.IndexOf("/_history/", StringComparison.Ordinal) is var cut and >= 0 ? source[..cut] : source;

    /// <summary>
    /// CRS-SPO2 when nothing about oxygen is recorded: the latest current SpO2 is below the threshold and no current oxygen
    /// device or flow reading exists (grading-rules.md: "SpO2 &lt; 90 % on room air with no oxygen recorded"). A room-air
    /// device is handled by the grader's flag.
    /// </summary>
    private static Reading? LowSpo2WithNoOxygenRecorded(AlertFacts facts)
    {
        var limits = facts.Thresholds ?? AlertThresholds.Default;
        var spo2 = facts.Readings
            .Where(r => r.Kind == ReadingKind.Spo2 && r.Value is not null && r.EffectiveAt <= facts.Now && facts.Now - r.EffectiveAt <= limits.VitalsStaleAfter)
            .MaxBy(r => r.EffectiveAt);
        if (spo2 is null || spo2.Value >= limits.HypoxiaSpo2BelowPercent)
        {
            return null;
        }

        var oxygen = facts.Readings.Any(r => r.EffectiveAt <= facts.Now && (
            (r.Kind == ReadingKind.OxygenDevice && facts.Now - r.EffectiveAt <= limits.OxygenDeviceStaleAfter)
            || (r.Kind is ReadingKind.OxygenFlow or ReadingKind.FiO2 && facts.Now - r.EffectiveAt <= limits.VitalsStaleAfter)));
        return oxygen ? null : spo2;
    }

    private static AlertBasis Spo2Basis(AlertFacts facts, Reading spo2)
    {
        var limits = facts.Thresholds ?? AlertThresholds.Default;
        var source = $"{spo2.Source.ResourceType}/{spo2.Source.ResourceId}";
        var value = spo2.Value!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var threshold = limits.HypoxiaSpo2BelowPercent.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new AlertBasis(
            facts.Crs?.Result.System ?? "ASTCT-2019", facts.Crs?.Result.Status, facts.Crs?.Result.Reason, facts.Crs?.Result.Flags ?? [],
            [new RuleResponse("CRS-SPO2", $"SpO2 {value} % is below {threshold} % and no oxygen device or flow is recorded: hypoxia without documented support (alert; SpO2 does not grade) (CRS-SPO2)")],
            [new BasisResponse("spo2", $"{value} %", spo2.EffectiveAt, $"{source}/_history/{spo2.Source.VersionId}", Stale: false)],
            [source],
            facts.Crs?.StaleOrMissing ?? []);
    }

    private static AlertBasis EventBasis(IReadOnlyList<EventRow> events, Func<EventRow, string>? describe = null) => new(
        "CrsMonitor monitoring", null, null, [], [.. events.Select(e => new RuleResponse(e.Kind, (describe ?? Describe)(e)))], [], [], []);

    /// <summary>
    /// Section 7: the one not-gradable finding that interrupts a nurse is <c>suspected-masked-fever</c> (as the reason
    /// or as a flag). Any other not-gradable reason (an input not arrived or stale: temperature-missing,
    /// no-neuro-assessment, ice-missing, capd-missing, ...) and any other review flag (sedated, clinician-review) is
    /// shown on the patient page and the census, never pushed.
    /// </summary>
    public static bool SuspectedMaskedFever(GradeResponse result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Reason == NotGradableReasons.SuspectedMaskedFever || result.Flags.Contains(GradeFlags.SuspectedMaskedFever);
    }

    private static string Summary(GradeResponse r) => string.Join(" ", r.Rules.Select(rule => rule.Text).Take(2));

    private static string Describe(EventRow e)
    {
        if (e.Kind != EventKinds.CheckOverdue)
        {
            return $"{e.Kind} at {Key(e.OccurredAt)}";
        }

        var overdue = CheckOverdueDetail.Of(e);
        return $"{overdue.Check} check due {Key(overdue.DueAt)}";
    }

    /// <summary>
    /// The open grade alerts (crs, icans, permanently-discontinue) whose episode the re-graded history no longer has and
    /// no candidate keeps: the readings that raised them were retracted (<c>entered-in-error</c>) or corrected, so the
    /// finding never happened as alerted. A grade that merely improved keeps its alert (its episode is still there).
    /// </summary>
    public static IEnumerable<AlertRow> Withdrawn(IEnumerable<AlertRow> alerts, IReadOnlyList<EpisodeSpan> episodes, IReadOnlyList<AlertCandidate> candidates)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        ArgumentNullException.ThrowIfNull(episodes);
        ArgumentNullException.ThrowIfNull(candidates);
        var standing = episodes.Select(e => $"{e.Scale.Code()}:{Key(e.OnsetAt)}").Concat(candidates.Select(c => c.EpisodeKey)).ToHashSet(StringComparer.Ordinal);
        return alerts.Where(a => a.State != AlertState.Resolved
            && a.Condition is Conditions.Crs or Conditions.Icans or Conditions.PermanentlyDiscontinue
            && !standing.Contains(a.EpisodeKey));
    }

    /// <summary>One stream's gap in words: device, signal, last data, cadence and grace (the text also tells one gap from the next).</summary>
    private static string Gap(Devices.StreamState g) =>
        $"{Devices.Signals.Words(g.Signal)} from {g.Device}: {(g.LastAt is { } last ? $"last data {Second(last)}" : "no data since enrolment")}, "
        + $"expected every {g.ExpectedEverySeconds} s (grace {g.GraceSeconds} s), no data since {Second(g.SilentSince ?? g.SilentAt)}";

    /// <summary>Open no-data alerts no candidate keeps: every gap is over (issue 17).</summary>
    public static IEnumerable<AlertRow> GapsClosed(IEnumerable<AlertRow> alerts, IReadOnlyList<AlertCandidate> candidates)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        ArgumentNullException.ThrowIfNull(candidates);
        return candidates.Any(c => c.Condition == Conditions.NoData)
            ? []
            : alerts.Where(a => a.Condition == Conditions.NoData && a.State != AlertState.Resolved);
    }

    /// <summary>Why a no-data alert was resolved by the system.</summary>
    public static string GapClosedNote(IReadOnlyList<Devices.StreamState> streams)
    {
        ArgumentNullException.ThrowIfNull(streams);
        return streams.Count == 0 ? "data gap over: no device enrolled any more"
            : streams.All(s => s.State == Devices.StreamStateNames.Receiving) ? "data resumed: every enrolled stream is receiving"
            : "data gap over: no monitoring window is open";
    }

    private static string Second(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static string Key(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static string Day(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}
