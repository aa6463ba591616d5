using CrsMonitor.Service.Ingest;

namespace CrsMonitor.Service.Hl7v2;

/// <summary>
/// The HL7 v2 mapping tables of <c>schemas/hl7v2/</c> (its README says what each holds and why): v2 coding-system names
/// → FHIR system URIs, IEEE 11073 MDC observation codes → the LOINC codes the FHIR rules grade, and MDC, ISO+ and ANSI+
/// unit codes → UCUM. Loaded once at start-up; a broken file stops the service with a message naming file and element.
/// </summary>
public sealed class Hl7v2Data
{
    private const string Label = "HL7 v2 data file";

    private Hl7v2Data(
        IReadOnlyDictionary<string, string> systems, string mdcSystem, IReadOnlyDictionary<string, string> loincByMdc,
        IReadOnlyDictionary<(string System, string Code), string> ucumByUnit)
    {
        SystemsByName = systems;
        MdcSystem = mdcSystem;
        LoincByMdc = loincByMdc;
        UcumByUnit = ucumByUnit;
    }

    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "schemas", "hl7v2");

    /// <summary>HL7 table 0396 names (case-insensitive, e.g. <c>LN</c>, <c>MDC</c>, <c>99CRSO</c>) → FHIR system URIs.</summary>
    public IReadOnlyDictionary<string, string> SystemsByName { get; }

    /// <summary>The FHIR system of IEEE 11073-10101 codes (<c>urn:iso:std:iso:11073:10101</c>).</summary>
    public string MdcSystem { get; }

    /// <summary>MDC context-free codes (e.g. <c>150456</c>) → the LOINC code that says the same in observation-codes.json.</summary>
    public IReadOnlyDictionary<string, string> LoincByMdc { get; }

    /// <summary>(unit coding system: MDC, ISO+, ANS+; unit code, case-insensitive) → UCUM.</summary>
    public IReadOnlyDictionary<(string System, string Code), string> UcumByUnit { get; }

    public static Hl7v2Data Load(string directory)
    {
        var systems = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var file = DataFile.Read(directory, "coding-systems.json", Label);
        using (var json = file.Json())
        {
            foreach (var (item, path) in file.Array(json.RootElement, string.Empty, "systems"))
            {
                var name = file.String(item, path, "v2");
                var uri = file.String(item, path, "uri");
                if (!Uri.TryCreate(uri, UriKind.Absolute, out _))
                {
                    throw file.Problem($"{path}.uri", $"'{uri}' is not an absolute URI");
                }

                if (!systems.TryAdd(name, uri))
                {
                    throw file.Problem($"{path}.v2", $"'{name}' is listed twice");
                }
            }
        }

        var loinc = new Dictionary<string, string>(StringComparer.Ordinal);
        file = DataFile.Read(directory, "mdc-observations.json", Label);
        string mdcSystem;
        using (var json = file.Json())
        {
            mdcSystem = file.String(json.RootElement, string.Empty, "system");
            foreach (var (item, path) in file.Array(json.RootElement, string.Empty, "codes"))
            {
                var code = file.String(item, path, "code");
                if (!code.All(char.IsAsciiDigit))
                {
                    throw file.Problem($"{path}.code", $"'{code}' is not an MDC context-free code (digits)");
                }

                if (!loinc.TryAdd(code, file.String(item, path, "loinc")))
                {
                    throw file.Problem($"{path}.code", $"'{code}' is listed twice");
                }
            }
        }

        var units = new Dictionary<(string, string), string>(UnitKeyComparer.Instance);
        file = DataFile.Read(directory, "units.json", Label);
        using (var json = file.Json())
        {
            foreach (var (item, path) in file.Array(json.RootElement, string.Empty, "units"))
            {
                var key = (file.String(item, path, "system"), file.String(item, path, "code"));
                if (!units.TryAdd(key, file.String(item, path, "ucum")))
                {
                    throw file.Problem($"{path}.code", $"'{key.Item2}' of {key.Item1} is listed twice");
                }
            }
        }

        return new Hl7v2Data(systems, mdcSystem, loinc, units);
    }

    /// <summary>Unit keys compare without case: ISO+ codes are upper case by convention, senders vary.</summary>
    private sealed class UnitKeyComparer : IEqualityComparer<(string, string)>
    {
        public static readonly UnitKeyComparer Instance = new();

        public bool Equals((string, string) x, (string, string) y) =>
            StringComparer.OrdinalIgnoreCase.Equals(x.Item1, y.Item1) && StringComparer.OrdinalIgnoreCase.Equals(x.Item2, y.Item2);

        public int GetHashCode((string, string) obj) =>
            HashCode.Combine(StringComparer.OrdinalIgnoreCase.GetHashCode(obj.Item1), StringComparer.OrdinalIgnoreCase.GetHashCode(obj.Item2));
    }
}
