namespace CrsMonitor.Service.Readings;

/// <summary>
/// What one reading measures. Values are stored in one canonical unit per kind (see <see cref="Reading.Value"/>).
/// Everything after ingest speaks in readings (invariant 2): FHIR types never leave <c>Ingest/</c>.
/// </summary>
public enum ReadingKind
{
    /// <summary>Body temperature, °C (exact conversion from °F; the original value and unit kept in <see cref="Reading.OriginalValue"/>).</summary>
    Temperature,

    /// <summary>Heart rate, /min.</summary>
    HeartRate,

    /// <summary>Respiratory rate, /min.</summary>
    RespiratoryRate,

    /// <summary>Systolic blood pressure, mm[Hg].</summary>
    SystolicBp,

    /// <summary>Diastolic blood pressure, mm[Hg].</summary>
    DiastolicBp,

    /// <summary>SpO2, %. <see cref="Reading.Code"/> is <c>room-air</c> when the source says it was on room air.</summary>
    Spo2,

    /// <summary>Inhaled O2 flow, L/min (exact conversion from mL/min).</summary>
    OxygenFlow,

    /// <summary>Inhaled O2 concentration, %.</summary>
    FiO2,

    /// <summary>Oxygen device; <see cref="Reading.Code"/> is an oxygen-device code (room-air, nasal-cannula, ...);
    /// <see cref="Reading.Qualifier"/> is <c>at-baseline</c> or <c>for-comfort</c> when stated.</summary>
    OxygenDevice,

    /// <summary>A neuro check; <see cref="Reading.Detail"/> holds the calculator's <c>icans</c> items (<see cref="ReadingDetail.NeuroCheck"/>).</summary>
    NeuroCheck,

    /// <summary>A medication administration; <see cref="Reading.Code"/> is the drug key of the drug map (norepinephrine,
    /// tocilizumab, tarlatamab, ...), <see cref="Reading.EffectiveAt"/> its start and <see cref="Reading.EndAt"/> its end
    /// (null while an infusion runs).</summary>
    Medication,

    /// <summary>A clinician judgement (CRS-ATTRIB, grade 5, baselines); <see cref="Reading.Code"/> names it.</summary>
    ClinicianInput,

    /// <summary>A laboratory result (research biomarkers: CRP, ferritin, IL-6, LDH, platelets, creatinine, AST, ALT,
    /// fibrinogen, D-dimer); <see cref="Reading.Code"/> is the analyte key of the lab table, <see cref="Reading.Value"/>
    /// is in the analyte's canonical unit. Never an ASTCT grading input (CRS-ORGAN).</summary>
    Lab,

    /// <summary>Symptoms a patient or caregiver reported at home (the <c>home-check-in</c> questionnaire, issue 17);
    /// <see cref="Reading.Code"/> is <c>neuro</c> when any neuro symptom was reported, else <c>none</c>;
    /// <see cref="Reading.Detail"/> holds the symptom keys reported (<see cref="ReadingDetail.Symptoms"/>). Never an ICANS grade: it raises
    /// <c>assess-ice-now</c>.</summary>
    ReportedSymptom,
}

/// <summary>Who reported a fact that no clinician observed (issue 17): the patient or a caregiver (<see cref="Reading.ReportedBy"/>).</summary>
public static class ReportedBy
{
    public const string Patient = "patient";
    public const string Caregiver = "caregiver";
}

/// <summary>Where a reading came from: the stored FHIR resource version it was derived from.</summary>
public sealed record ReadingSource(string ResourceType, string ResourceId, int VersionId);

/// <summary>
/// One normalised, time-placed fact about a patient, derived from a stored resource. All instants are UTC.
/// </summary>
public sealed record Reading
{
    public required string PatientId { get; init; }
    public required ReadingKind Kind { get; init; }

    /// <summary>When it was true (Observation effective time; administration start), UTC.</summary>
    public required DateTimeOffset EffectiveAt { get; init; }

    /// <summary>End of a period (infusion end); null for instants and running infusions.</summary>
    public DateTimeOffset? EndAt { get; init; }

    /// <summary>Numeric value in the canonical unit of <see cref="Kind"/>.</summary>
    public decimal? Value { get; init; }

    /// <summary>The value as sent and its UCUM unit (e.g. <c>100.4 [degF]</c>), for the basis a clinician reads.</summary>
    public string? OriginalValue { get; init; }

    /// <summary>Coded value (device code, drug key, clinician-input code).</summary>
    public string? Code { get; init; }

    /// <summary>Qualifier of a coded value (<c>at-baseline</c>, <c>for-comfort</c>, drug class, ...).</summary>
    public string? Qualifier { get; init; }

    /// <summary>Structured detail (neuro-check items, reported symptoms), read as types (<see cref="ReadingDetail"/>).</summary>
    public ReadingDetail? Detail { get; init; }

    public required ReadingSource Source { get; init; }

    /// <summary>Position among the readings derived from the same resource version (a BP panel gives two).</summary>
    public int Sequence { get; init; }

    /// <summary>
    /// <c>patient</c> or <c>caregiver</c> when the fact was reported by them (a MedicationStatement, a temperature the
    /// patient took at home, the check-in page); null when a clinician or a device recorded it.
    /// </summary>
    public string? ReportedBy { get; init; }

    /// <summary>
    /// The device that measured it (issue 17): <c>Observation.device</c>'s identifier as <c>system|value</c>, else its
    /// reference as sent (<c>Device/abc</c>); null when the source names none. Stored in <c>reading.device</c> for the
    /// device streams (Devices/); the grading reads never load it.
    /// </summary>
    public string? Device { get; init; }
}
