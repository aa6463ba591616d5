using CrsMonitor.Service.Readings;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;

namespace CrsMonitor.Service.Ingest;

/// <summary>
/// Laboratory results (lab-codes.json): one <see cref="ReadingKind.Lab"/> reading per Observation, its value in the
/// analyte's canonical unit (converted exactly), the value and unit as sent kept, the D-dimer's FEU or DDU from its code.
/// A censored value (a comparator: &lt;5 mg/L) is kept as sent with no number, never a guessed one. Labs are never an
/// ASTCT grading input (CRS-ORGAN): continuous grading, the check schedule and the alert rules never read them.
/// </summary>
internal sealed partial class ResourceInterpreter
{
    private List<ReadingDraft> LabObservation(Observation o, LabAnalyte analyte, Findings f)
    {
        var codes = o.Code.Coding
            .Where(c => c.System == Codes.LoincSystem && c.Code is not null)
            .Select(c => data.Labs.ByLoinc.TryGetValue(c.Code!, out var entry) && entry.Analyte == analyte ? entry.Code : null)
            .OfType<LabCode>()
            .Distinct()
            .ToList();
        if (codes.Select(c => c.Qualifier).Distinct().Count() > 1)
        {
            f.Error(".code", $"carries {analyte.Label} codes of different kinds ({string.Join("; ", codes.Select(Describe))}), which are never converted into each other: send one");
            return [];
        }

        var units = codes[0].Units.Where(u => codes.All(c => c.Units.Contains(u))).ToList();
        if (units.Count == 0)
        {
            f.Error(".code", $"carries {analyte.Label} codes that take no unit in common ({string.Join("; ", codes.Select(Describe))}): send one");
            return [];
        }

        for (var i = 0; i < o.Component.Count; i++)
        {
            f.Warning($".component[{i}].code", "is not a component CrsMonitor uses on a laboratory result: stored, not used");
        }

        var accepted = string.Join(" or ", units.Select(u => u.Code));
        switch (o.Value)
        {
            case null when o.DataAbsentReason is not null:
                f.Warning(".dataAbsentReason", "says the value is absent: stored, no result kept");
                return [];
            case null:
                f.Error(".value[x]", $"is missing: give valueQuantity in {accepted} for {analyte.Label} (or a dataAbsentReason)", OperationOutcome.IssueType.Required);
                return [];
            case Quantity q:
                return LabQuantity(q, analyte, codes, units, f) is { } draft ? [draft with { Qualifier = codes[0].Qualifier }] : [];
            default:
                f.Error($".value{Suffix(o.Value)}", $"must be a valueQuantity in {accepted} for {analyte.Label}");
                return [];
        }
    }

    /// <summary>The unit among those the codes take, the value in its physically possible range, converted exactly; a comparator keeps no number.</summary>
    private ReadingDraft? LabQuantity(Quantity q, LabAnalyte analyte, IReadOnlyList<LabCode> codes, IReadOnlyList<UnitRule> units, Findings f)
    {
        const string At = ".valueQuantity";
        var errors = f.Errors.Count;
        var accepted = string.Join(" or ", units.Select(u => u.Code));
        if (q.System is { } system && system != Codes.UcumSystem)
        {
            f.Error($"{At}.system", $"is '{Show(system)}' but must be {Codes.UcumSystem} (UCUM)");
        }

        var unit = units.FirstOrDefault(u => string.Equals(u.Code, q.Code, StringComparison.Ordinal));
        if (q.Code is null)
        {
            f.Error($"{At}.code", $"is missing: give the UCUM unit code ({accepted}) for {analyte.Label}", OperationOutcome.IssueType.Required);
        }
        else if (unit is null)
        {
            f.Error($"{At}.code", $"'{Show(q.Code)}' is not a unit accepted for {analyte.Label} ({string.Join("; ", codes.Select(Describe))}): use {accepted}{OtherCodeFor(analyte, q.Code)}",
                OperationOutcome.IssueType.CodeInvalid);
        }

        if (q.Value is not { } value)
        {
            f.Error($"{At}.value", "is missing", OperationOutcome.IssueType.Required);
            return null;
        }

        if (unit is not null && (value < unit.Min || value > unit.Max))
        {
            f.Error($"{At}.value", $"{Number(value)} {unit.Code} is outside the physically possible range for {analyte.Label}, {Number(unit.Min)} to {Number(unit.Max)} {unit.Code}",
                OperationOutcome.IssueType.Value);
        }

        if (f.Errors.Count > errors || unit is null)
        {
            return null;
        }

        // A censored result (below or above what the assay measures) is a bound, not a value: kept as sent, no number.
        return q.Comparator is { } comparator
            ? new ReadingDraft(ReadingKind.Lab) { Code = analyte.Key, Value = null, OriginalValue = $"{comparator.GetLiteral()}{Number(value)} {unit.Code}" }
            : new ReadingDraft(ReadingKind.Lab) { Code = analyte.Key, Value = unit.ToCanonical(value), OriginalValue = $"{Number(value)} {unit.Code}" };
    }

    private static string Describe(LabCode code) => $"LOINC {code.Loinc.Code} {code.Loinc.Display}";

    /// <summary>A hint when the unit belongs to another code of the analyte (µmol/L creatinine under the mass code 2160-0).</summary>
    private static string OtherCodeFor(LabAnalyte analyte, string unit)
    {
        var others = analyte.Codes.Where(c => c.Units.Any(u => u.Code == unit)).ToList();
        return others.Count == 0 ? string.Empty : $" ({unit} is the unit of {string.Join(" or ", others.Select(Describe))})";
    }
}
