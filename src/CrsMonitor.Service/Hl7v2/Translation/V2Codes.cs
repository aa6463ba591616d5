using CrsMonitor.Service.Hl7v2.Er7;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Hl7v2.Translation;

/// <summary>
/// Coded values (CE, CWE: identifier^text^system^alternate identifier^alternate text^alternate system) as FHIR
/// CodeableConcepts, by the coding-system table of schemas/hl7v2. An MDC code also gets the LOINC coding the MDC table
/// gives it, so the FHIR rules read a monitor's code exactly as they read the hospital's LOINC. A system name the
/// table does not know gives a coding without a system (kept as sent; the rules then say it is not understood).
/// </summary>
public sealed class V2Codes(Hl7v2Data data)
{
    public const string LoincSystem = "http://loinc.org";

    public CodeableConcept Concept(Er7Repetition coded)
    {
        ArgumentNullException.ThrowIfNull(coded);
        var concept = new CodeableConcept();
        Add(concept, coded[1].Value, coded[2].Value, coded[3].Value);
        Add(concept, coded[4].Value, coded[5].Value, coded[6].Value);
        var text = coded[2].Value.Length > 0 ? coded[2].Value : coded[5].Value;
        concept.Text = text.Length > 0 ? text : null;
        return concept;
    }

    /// <summary>The FHIR system of a v2 coding-system name (<c>LN</c>, <c>MDC</c>, <c>99CRSO</c>...), or null.</summary>
    public string? System(string name) => data.SystemsByName.GetValueOrDefault(name);

    private void Add(CodeableConcept concept, string code, string display, string systemName)
    {
        if (code.Length == 0)
        {
            return;
        }

        var system = System(systemName);
        concept.Coding.Add(new Coding(system, code, display.Length > 0 ? display : null));
        if (system == data.MdcSystem && data.LoincByMdc.TryGetValue(code, out var loinc) && !concept.Coding.Exists(c => c.System == LoincSystem && c.Code == loinc))
        {
            concept.Coding.Add(new Coding(LoincSystem, loinc));
        }
    }
}
