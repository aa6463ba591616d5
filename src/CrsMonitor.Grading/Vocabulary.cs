using System.Collections.Frozen;
using CrsMonitor.Grading.Crs;
using CrsMonitor.Grading.Icans;

namespace CrsMonitor.Grading;

/// <summary>
/// The words of one coded input: each enum value has one canonical code (the API contract and the CrsMonitor
/// CodeSystems use it) and may have accepted aliases (e.g. "noradrenaline"). Parsing is case-insensitive.
/// </summary>
public sealed class CodeTable<TEnum>
    where TEnum : struct, Enum
{
    private readonly FrozenDictionary<TEnum, string> codes;
    private readonly FrozenDictionary<string, TEnum> byWord;

    public CodeTable(IEnumerable<(TEnum Value, string Code)> codes, IEnumerable<(string Alias, TEnum Value)>? aliases = null)
    {
        var list = codes.ToList();
        var missing = Enum.GetValues<TEnum>().Except(list.Select(c => c.Value)).ToList();
        if (missing.Count > 0)
        {
            throw new ArgumentException($"No code for {typeof(TEnum).Name}: {string.Join(", ", missing)}", nameof(codes));
        }

        this.codes = list.ToFrozenDictionary(c => c.Value, c => c.Code);
        byWord = list.Select(c => (c.Code, c.Value))
            .Concat(aliases ?? [])
            .ToFrozenDictionary(c => c.Item1, c => c.Item2, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Canonical codes in declaration order, for error messages and CodeSystems.</summary>
    public IReadOnlyList<string> Codes => [.. Enum.GetValues<TEnum>().Select(v => codes[v])];

    public string Code(TEnum value) => codes[value];

    public bool TryParse(string? word, out TEnum value)
    {
        value = default;
        return word is not null && byWord.TryGetValue(word.Trim(), out value);
    }
}

/// <summary>Every coded word the graders understand (api-contract.md, neuro-check items).</summary>
public static class Vocabulary
{
    public static readonly CodeTable<TemperatureUnit> TemperatureUnit = new(
        [(Crs.TemperatureUnit.Celsius, "Cel"), (Crs.TemperatureUnit.Fahrenheit, "[degF]")],
        [("C", Crs.TemperatureUnit.Celsius), ("°C", Crs.TemperatureUnit.Celsius), ("celsius", Crs.TemperatureUnit.Celsius),
         ("F", Crs.TemperatureUnit.Fahrenheit), ("°F", Crs.TemperatureUnit.Fahrenheit), ("fahrenheit", Crs.TemperatureUnit.Fahrenheit),
         ("degF", Crs.TemperatureUnit.Fahrenheit)]);

    public static readonly CodeTable<VasoactiveAgent> VasoactiveAgent = new(
        [(Crs.VasoactiveAgent.Norepinephrine, "norepinephrine"), (Crs.VasoactiveAgent.Epinephrine, "epinephrine"),
         (Crs.VasoactiveAgent.Phenylephrine, "phenylephrine"), (Crs.VasoactiveAgent.Dopamine, "dopamine"),
         (Crs.VasoactiveAgent.Vasopressin, "vasopressin"), (Crs.VasoactiveAgent.AngiotensinII, "angiotensin-ii"),
         (Crs.VasoactiveAgent.Metaraminol, "metaraminol"), (Crs.VasoactiveAgent.Dobutamine, "dobutamine"),
         (Crs.VasoactiveAgent.Milrinone, "milrinone")],
        [("noradrenaline", Crs.VasoactiveAgent.Norepinephrine), ("adrenaline", Crs.VasoactiveAgent.Epinephrine)]);

    public static readonly CodeTable<OxygenDevice> OxygenDevice = new(
        [(Crs.OxygenDevice.RoomAir, "room-air"), (Crs.OxygenDevice.NasalCannula, "nasal-cannula"),
         (Crs.OxygenDevice.BlowBy, "blow-by"), (Crs.OxygenDevice.HighFlowNasalCannula, "high-flow-nasal-cannula"),
         (Crs.OxygenDevice.SimpleFaceMask, "simple-face-mask"), (Crs.OxygenDevice.NonRebreather, "non-rebreather"),
         (Crs.OxygenDevice.VenturiMask, "venturi-mask"), (Crs.OxygenDevice.Cpap, "cpap"), (Crs.OxygenDevice.Bipap, "bipap"),
         (Crs.OxygenDevice.MechanicalVentilation, "mechanical-ventilation")]);

    public static readonly CodeTable<Consciousness> Consciousness = new(
        [(Icans.Consciousness.Alert, "alert"), (Icans.Consciousness.AwakensSpontaneously, "awakens-spontaneously"),
         (Icans.Consciousness.AwakensToVoice, "awakens-to-voice"), (Icans.Consciousness.AwakensToTactile, "awakens-to-tactile"),
         (Icans.Consciousness.Unarousable, "unarousable")]);

    public static readonly CodeTable<IceNotPossibleReason> IceNotPossibleReason = new(
        [(Icans.IceNotPossibleReason.Unarousable, "unarousable"), (Icans.IceNotPossibleReason.Sedated, "sedated")]);

    public static readonly CodeTable<Seizure> Seizure = new(
        [(Icans.Seizure.None, "none"), (Icans.Seizure.RapidlyResolving, "rapidly-resolving"),
         (Icans.Seizure.NonconvulsiveResolvedWithIntervention, "nonconvulsive-resolved-with-intervention"),
         (Icans.Seizure.ProlongedOver5Min, "prolonged-over-5-min"),
         (Icans.Seizure.RepetitiveWithoutRecovery, "repetitive-without-recovery")]);

    public static readonly CodeTable<MotorFinding> Motor = new(
        [(MotorFinding.None, "none"), (MotorFinding.DeepFocalWeakness, "deep-focal-weakness")]);

    public static readonly CodeTable<IcpFinding> Icp = new(
        [(IcpFinding.None, "none"), (IcpFinding.FocalEdema, "focal-edema"), (IcpFinding.DiffuseEdema, "diffuse-edema"),
         (IcpFinding.Posturing, "posturing"), (IcpFinding.CranialNerveVIPalsy, "cranial-nerve-vi-palsy"),
         (IcpFinding.Papilledema, "papilledema"), (IcpFinding.CushingTriad, "cushing-triad")]);

    public static readonly CodeTable<ExcludedFinding> ExcludedFinding = new(
        [(Icans.ExcludedFinding.Tremor, "tremor"), (Icans.ExcludedFinding.Myoclonus, "myoclonus"),
         (Icans.ExcludedFinding.IntracranialHaemorrhage, "intracranial-haemorrhage")],
        [("intracranial-hemorrhage", Icans.ExcludedFinding.IntracranialHaemorrhage)]);

    public static readonly CodeTable<CapdFrequency> CapdFrequency = new(
        [(Icans.CapdFrequency.Never, "never"), (Icans.CapdFrequency.Rarely, "rarely"), (Icans.CapdFrequency.Sometimes, "sometimes"),
         (Icans.CapdFrequency.Often, "often"), (Icans.CapdFrequency.Always, "always")]);

    public static readonly CodeTable<GradeStatus> GradeStatus = new(
        [(Grading.GradeStatus.Graded, "graded"), (Grading.GradeStatus.NotGradable, "not-gradable")]);

    public static readonly CodeTable<DomainStatus> DomainStatus = new(
        [(Grading.DomainStatus.Graded, "graded"), (Grading.DomainStatus.NotAssessable, "not-assessable"),
         (Grading.DomainStatus.Missing, "missing")]);
}
