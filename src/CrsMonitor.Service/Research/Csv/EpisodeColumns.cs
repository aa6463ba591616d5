using System.Globalization;
using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Research.Deidentification;
using CrsMonitor.Service.Research.Episodes;

namespace CrsMonitor.Service.Research.Csv;

/// <summary>
/// The columns of the de-identified episode CSV, in order: one table, from which both the file and its data
/// dictionary are written, so the two cannot disagree. CIBMTR questions are named as the Cellular Therapy Essential
/// Data Follow-Up form (4100) words them in its instruction manual; where the form asks nothing, the column says so.
/// </summary>
public static class EpisodeColumns
{
    private const string Form = "CIBMTR 4100 (Cellular Therapy Essential Data Follow-Up)";
    private const string NotAsked = "(not asked by the CIBMTR form: research detail)";
    private const string Iso = "ISO 8601 UTC instant, shifted by the patient's date offset";
    private const string Hours = "hours (2 decimals)";

    public static IReadOnlyList<CsvColumn> All { get; } =
    [
        new("patient_pseudonym", "Keyed pseudonym of the patient, stable across exports (the NDJSON Patient id)", "text", $"{Form}: CRID (the site maps pseudonym to CRID)", (r, d) => d.Pseudonym(r.PatientId)),
        new("episode_id", "Id of the episode's AdverseEvent in the NDJSON export", "text", NotAsked, (r, d) => d.ResourceId("AdverseEvent", $"{r.PatientId}|{r.Scale}|{r.OnsetAt:O}")),
        new("toxicity", "crs or icans", "crs | icans", $"{Form}: 'Did the recipient experience Cytokine Release Syndrome (CRS)?' / the neurotoxicity (ICANS) question", (r, _) => r.Scale.Code()),
        new("max_grade", "Maximum ASTCT 2019 grade of the episode (graded by CrsMonitor)", "integer 1-5", $"{Form}: maximum grade of CRS / ICANS (ASTCT)", (r, _) => Int(r.MaxGrade)),
        new("onset_at", "Onset: the first instant graded >= 1", Iso, $"{Form}: 'Date of diagnosis'", (r, d) => At(d.Shift(r.PatientId, r.OnsetAt))),
        new("onset_hours_from_infusion_start", "Onset, hours after the dose's infusion start", Hours, NotAsked, (r, _) => Dec(r.HoursFromStart(r.OnsetAt))),
        new("onset_hours_from_infusion_end", "Onset, hours after the dose's infusion end (negative: during the infusion)", Hours, NotAsked, (r, _) => Dec(r.HoursFromEnd(r.OnsetAt))),
        new("peak_at", "When the maximum grade was first reached", Iso, NotAsked, (r, d) => At(d.Shift(r.PatientId, r.PeakAt))),
        new("peak_hours_from_infusion_start", "Peak, hours after the infusion start", Hours, NotAsked, (r, _) => Dec(r.HoursFromStart(r.PeakAt))),
        new("peak_hours_from_infusion_end", "Peak, hours after the infusion end", Hours, NotAsked, (r, _) => Dec(r.HoursFromEnd(r.PeakAt))),
        new("resolved_at", "Resolution (episode closed after the episode-close period without a finding); empty while ongoing", Iso, $"{Form}: whether and when the toxicity resolved", (r, d) => At(d.Shift(r.PatientId, r.ResolvedAt))),
        new("resolution_hours_from_infusion_start", "Resolution, hours after the infusion start", Hours, NotAsked, (r, _) => Dec(r.HoursFromStart(r.ResolvedAt))),
        new("resolution_hours_from_infusion_end", "Resolution, hours after the infusion end", Hours, NotAsked, (r, _) => Dec(r.HoursFromEnd(r.ResolvedAt))),
        new("age_at_dose", "Age in whole years at the dose (at the onset without one); 90+ from 90", "integer or 90+", $"{Form}: recipient age (derived from date of birth)", (r, _) => Deidentifier.Age(r.AgeAtDoseYears)),
        new("drug", "The protocol drug of the dose the episode follows", "drug key", $"{Form}: the product / agent given", (r, _) => r.Dose?.Drug),
        new("cycle", "Cycle of that dose", "integer", NotAsked, (r, _) => Int(r.Dose?.Cycle)),
        new("day", "Day of that dose in its cycle", "integer", NotAsked, (r, _) => Int(r.Dose?.Day)),
        new("step_up_index", "Step-up index of that dose in its protocol (empty: a treatment dose)", "integer", NotAsked, (r, _) => Int(r.Dose?.StepUpIndex)),
        new("dose", "Dose as given (the administration's), else the protocol's amount marked (protocol)", "text", NotAsked, (r, _) => r.Dose?.Amount),
        new("route", "Route of the protocol dose", "IV | SC", NotAsked, (r, _) => r.Dose?.Route),
        new("infusion_start_at", "Infusion start of that dose", Iso, $"{Form}: date of product infusion", (r, d) => At(d.Shift(r.PatientId, r.Dose?.InfusionStart))),
        new("infusion_end_at", "Infusion end of that dose", Iso, NotAsked, (r, d) => At(d.Shift(r.PatientId, r.Dose?.InfusionEnd))),
        new("premedication", "Corticosteroids and antipyretics given within the premedication period before the infusion start: drug dose @ hours before", "drug dose @ -h; ...", NotAsked, (r, _) => Premedication(r)),
        new("protocol_id", "Protocol file the dose was placed by", "text", NotAsked, (r, _) => r.Dose?.ProtocolId),
        new("label_version", "Label version the protocol file records", "text", NotAsked, (r, _) => r.Dose?.LabelVersion),
        new("monitoring_setting", "Setting of the monitoring windows the dose opened", "inpatient | observed | proximity (+ ...)", NotAsked, (r, _) => r.Dose?.MonitoringSetting),
        new("tmax_celsius", "CRS: highest temperature of the episode", "Cel", NotAsked, (r, _) => Dec(r.Peak.TmaxCelsius)),
        new("fever_masked", "CRS: fever masked at the peak (CRS-MASK) or suspected masked (CRS-PREMED)", "true | false", NotAsked, (r, _) => r.Scale == Scale.Crs ? (r.Peak.FeverMasked ? "true" : "false") : null),
        new("fever_masked_why", "CRS: the rule that said so, as the grader worded it", "text", NotAsked, (r, _) => r.Peak.FeverMaskedWhy),
        new("vasopressors_at_peak", "CRS: vasopressors running at the peak, vasopressin not counted", "integer", $"{Form}: CRS with hypotension requiring vasopressors", (r, _) => Int(r.Peak.VasopressorCount)),
        new("oxygen_device_at_peak", "CRS: oxygen device in force at the peak", "oxygen-device code", $"{Form}: CRS with hypoxia requiring oxygen", (r, _) => r.Peak.OxygenDevice),
        new("oxygen_flow_lpm_at_peak", "CRS: oxygen flow in force at the peak", "L/min", NotAsked, (r, _) => Dec(r.Peak.OxygenFlowLitresPerMinute)),
        new("lowest_ice", "ICANS: lowest ICE score of the episode", "integer 0-10", NotAsked, (r, _) => Int(r.Peak.LowestIce)),
        new("lowest_ice_items", "ICANS: the items of that ICE", "text", NotAsked, (r, _) => r.Peak.LowestIceItems),
        new("consciousness_at_peak", "ICANS: level of consciousness at the peak", "consciousness code", $"{Form}: neurotoxicity symptoms (depressed level of consciousness)", (r, _) => r.Peak.Consciousness),
        new("seizure_at_peak", "ICANS: seizure at the peak", "seizure code", $"{Form}: neurotoxicity symptoms (seizure)", (r, _) => r.Peak.Seizure),
        new("motor_at_peak", "ICANS: motor finding at the peak", "motor code", $"{Form}: neurotoxicity symptoms (motor weakness)", (r, _) => r.Peak.Motor),
        new("edema_at_peak", "ICANS: raised intracranial pressure / cerebral oedema finding at the peak", "icp codes; ...", $"{Form}: neurotoxicity symptoms (cerebral edema)", (r, _) => r.Peak.Edema),
        new("tocilizumab", "Tocilizumab given during the episode: dose @ hours from onset", "dose @ h; ...", $"{Form}: 'Specify therapy given for CRS' (tocilizumab)", (r, _) => Treatments(r, t => t.Drug == "tocilizumab")),
        new("corticosteroids", "Corticosteroids given during the episode: drug dose @ hours from onset", "drug dose @ h; ...", $"{Form}: 'Specify therapy given for CRS' (corticosteroids)", (r, _) => Treatments(r, t => t.DrugClass == "corticosteroid")),
        new("labs", "Labs within 48 h of the episode: analyte value unit @ hours from onset (censored values as sent)", "analyte value unit @ h; ...", NotAsked, (r, _) => Labs(r)),
    ];

    private static string? Int(int? value) => value?.ToString(CultureInfo.InvariantCulture);

    private static string? Dec(decimal? value) => value?.ToString(CultureInfo.InvariantCulture);

    private static string? At(DateTimeOffset? at) => at?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string HoursBetween(DateTimeOffset from, DateTimeOffset to) =>
        Math.Round((decimal)(to - from).TotalSeconds / 3600m, 2, MidpointRounding.AwayFromZero).ToString(CultureInfo.InvariantCulture);

    private static string? Premedication(EpisodeRecord r) => r.Dose is { Premedication.Count: > 0 } d
        ? string.Join("; ", d.Premedication.Select(p => $"{p.Drug} {p.Dose ?? "dose not given"} @ {HoursBetween(d.InfusionStart, p.StartedAt)}"))
        : null;

    private static string? Treatments(EpisodeRecord r, Func<TreatmentGiven, bool> which) =>
        r.Treatments.Where(which).ToList() is { Count: > 0 } given
            ? string.Join("; ", given.Select(t => $"{t.Drug} {t.Dose ?? "dose not given"} @ {HoursBetween(r.OnsetAt, t.StartedAt)}"))
            : null;

    private static string? Labs(EpisodeRecord r) => r.Labs.Count == 0 ? null : string.Join("; ", r.Labs.Select(l =>
        $"{l.Analyte}{(l.Basis is null ? "" : " " + l.Basis)} {(l.Value is { } v ? $"{v.ToString(CultureInfo.InvariantCulture)} {l.Unit}" : l.Original)} @ {HoursBetween(r.OnsetAt, l.At)}"));
}
