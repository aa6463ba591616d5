using System.Globalization;
using System.Text;

namespace CrsMonitor.Benchmarks;

/// <summary>
/// The FHIR JSON the benchmark sends: the ADT resources that admit its patients, and vital-sign Observations
/// (temperature, blood-pressure panel, SpO2 with oxygen flow and FiO2 components) in turn, each with a unique
/// identifier, spread over the patients round-robin, effective at the moment they are made (so each patient's
/// readings arrive in increasing time). The same bytes go to the service and to the ceilings. <paramref name="afebrile"/>
/// keeps every temperature below 37 °C (background load of the alert benchmark: normal vital signs raise no CRS alert).
/// </summary>
public sealed class Payloads(string runId, string patientPrefix, int patients, bool afebrile = false)
{
    public const string MediaType = "application/fhir+json";
    public const string Unit = "BENCH";
    private const string Loinc = "http://loinc.org";
    private const string Ucum = "http://unitsofmeasure.org";
    private const string VitalSigns = """
        "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
        """;

    private long sequence;

    public int Patients => patients;

    public string PatientId(int index) => $"{patientPrefix}-{index.ToString("D4", CultureInfo.InvariantCulture)}";

    public static string Location(string unit) => $$$"""{"resourceType":"Location","id":"{{{unit}}}","status":"active","name":"Ward {{{unit}}}"}""";

    public static string Patient(string id) =>
        $$$"""{"resourceType":"Patient","id":"{{{id}}}","identifier":[{"system":"urn:bench:mrn","value":"MRN-{{{id}}}"}],"name":[{"family":"Bench","given":["{{{id}}}"]}],"birthDate":"1961-03-14"}""";

    public static string Encounter(string id, string patient, string unit) =>
        $$$"""{"resourceType":"Encounter","id":"{{{id}}}","status":"in-progress","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"IMP"},"subject":{"reference":"Patient/{{{patient}}}"},"location":[{"location":{"reference":"Location/{{{unit}}}"}}]}""";

    /// <summary>
    /// A transaction Bundle admitting <paramref name="patientIds"/> to <paramref name="unit"/>: PUT Patient and PUT
    /// Encounter of each (one database transaction instead of two requests per patient).
    /// </summary>
    public static string Admission(string unit, IEnumerable<string> patientIds)
    {
        ArgumentNullException.ThrowIfNull(patientIds);
        var entries = patientIds.SelectMany(p => new[]
        {
            $$$"""{"resource":{{{Patient(p)}}},"request":{"method":"PUT","url":"Patient/{{{p}}}"}}""",
            $$$"""{"resource":{{{Encounter($"enc-{p}", p, unit)}}},"request":{"method":"PUT","url":"Encounter/enc-{{{p}}}"}}""",
        });
        return $$$"""{"resourceType":"Bundle","type":"transaction","entry":[{{{string.Join(',', entries)}}}]}""";
    }

    /// <summary>A body temperature of 38.5 °C for <paramref name="patient"/>, effective now: CRS grade 1, a new alert.</summary>
    public static byte[] Fever(string runId, string patient) => Encoding.UTF8.GetBytes($$$"""
        {"resourceType":"Observation","identifier":[{"system":"urn:bench:{{{runId}}}","value":"fever-{{{patient}}}"}],"status":"final",{{{VitalSigns}}}"code":{"coding":[{"system":"{{{Loinc}}}","code":"8310-5"}]},"subject":{"reference":"Patient/{{{patient}}}"},"effectiveDateTime":"{{{DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)}}}","valueQuantity":{"value":38.5,"unit":"Cel","system":"{{{Ucum}}}","code":"Cel"}}
        """);

    /// <summary>One Observation as UTF-8 bytes (POST /fhir/Observation).</summary>
    public byte[] NextObservation() => Encoding.UTF8.GetBytes(Observation(Interlocked.Increment(ref sequence)));

    /// <summary>A transaction Bundle of <paramref name="size"/> Observations (POST /fhir), each with a urn:uuid fullUrl.</summary>
    public byte[] NextBundle(int size)
    {
        var first = Interlocked.Add(ref sequence, size) - size + 1;
        var json = new StringBuilder(size * 900);
        json.Append("""{"resourceType":"Bundle","type":"transaction","entry":[""");
        for (var i = 0; i < size; i++)
        {
            if (i > 0)
            {
                json.Append(',');
            }

            json.Append("""{"fullUrl":"urn:uuid:""").Append(Guid.NewGuid().ToString("D")).Append("\",\"resource\":")
                .Append(Observation(first + i))
                .Append(""","request":{"method":"POST","url":"Observation"}}""");
        }

        json.Append("]}");
        return Encoding.UTF8.GetBytes(json.ToString());
    }

    /// <summary>
    /// One plain vital sign as UTF-8 bytes (POST /fhir/Observation): temperature, heart rate, SpO2 or systolic pressure
    /// in turn (<see cref="RoundVitals"/>), the same readings the MLLP scenario sends as one OBX each.
    /// </summary>
    public byte[] NextVital()
    {
        var n = Interlocked.Increment(ref sequence);
        return Encoding.UTF8.GetBytes(Vital(n, RoundVitals.Nth(n, patients), "obs", DateTimeOffset.UtcNow));
    }

    /// <summary>
    /// A monitor's round as a transaction Bundle (POST /fhir): the four <see cref="RoundVitals"/> of one patient taken at
    /// one instant, each with a urn:uuid fullUrl; the FHIR twin of an ORU^R01 with four OBX.
    /// </summary>
    public byte[] NextRound()
    {
        var n = Interlocked.Increment(ref sequence);
        var at = DateTimeOffset.UtcNow;
        var entries = RoundVitals.Round.Select((vital, i) =>
            $$$"""{"fullUrl":"urn:uuid:{{{Guid.NewGuid():D}}}","resource":{{{Vital(n, vital, $"round{i}", at)}}},"request":{"method":"POST","url":"Observation"}}""");
        return Encoding.UTF8.GetBytes($$$"""{"resourceType":"Bundle","type":"transaction","entry":[{{{string.Join(',', entries)}}}]}""");
    }

    private string Vital(long n, RoundVital vital, string label, DateTimeOffset at) => $$$"""
        {"resourceType":"Observation","identifier":[{"system":"urn:bench:{{{runId}}}","value":"{{{patientPrefix}}}-{{{label}}}-{{{n.ToString(CultureInfo.InvariantCulture)}}}"}],"status":"final",{{{VitalSigns}}}"code":{"coding":[{"system":"{{{Loinc}}}","code":"{{{vital.Loinc}}}"}]},"subject":{"reference":"Patient/{{{PatientId((int)(n % patients))}}}"},"effectiveDateTime":"{{{at.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)}}}","valueQuantity":{"value":{{{vital.ValueText(RoundVitals.Variation(n, patients))}}},"unit":"{{{vital.UcumDisplay}}}","system":"{{{Ucum}}}","code":"{{{vital.Ucum}}}"}}
        """;

    private string Observation(long n)
    {
        var patient = PatientId((int)(n % patients));
        var at = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var identifier = $$$"""
            "identifier":[{"system":"urn:bench:{{{runId}}}","value":"{{{patientPrefix}}}-obs-{{{n.ToString(CultureInfo.InvariantCulture)}}}"}],
            """;
        var head = $$$"""
            {"resourceType":"Observation",{{{identifier}}}"status":"final",{{{VitalSigns}}}
            """;
        var tail = $$$"""
            "subject":{"reference":"Patient/{{{patient}}}"},"effectiveDateTime":"{{{at}}}"
            """;
        var variation = (int)(n / patients % 7);
        return (n / patients % 3) switch
        {
            0 => head + $$$"""
                "code":{"coding":[{"system":"{{{Loinc}}}","code":"8310-5"}]},{{{tail}}},"valueQuantity":{"value":{{{Decimal(afebrile ? 36.4m + (variation * 0.1m) : 36.6m + (variation * 0.3m))}}},"unit":"Cel","system":"{{{Ucum}}}","code":"Cel"}}
                """,
            1 => head + $$$"""
                "code":{"coding":[{"system":"{{{Loinc}}}","code":"85354-9"}]},{{{tail}}},"component":[{"code":{"coding":[{"system":"{{{Loinc}}}","code":"8480-6"}]},"valueQuantity":{"value":{{{Decimal(128m - (variation * 6m))}}},"unit":"mmHg","system":"{{{Ucum}}}","code":"mm[Hg]"}},{"code":{"coding":[{"system":"{{{Loinc}}}","code":"8462-4"}]},"valueQuantity":{"value":{{{Decimal(78m - (variation * 3m))}}},"unit":"mmHg","system":"{{{Ucum}}}","code":"mm[Hg]"}}]}
                """,
            _ => head + $$$"""
                "code":{"coding":[{"system":"{{{Loinc}}}","code":"59408-5"}]},{{{tail}}},"valueQuantity":{"value":{{{Decimal(98m - variation)}}},"unit":"%","system":"{{{Ucum}}}","code":"%"},"component":[{"code":{"coding":[{"system":"{{{Loinc}}}","code":"3151-8"}]},"valueQuantity":{"value":{{{Decimal(variation)}}},"unit":"L/min","system":"{{{Ucum}}}","code":"L/min"}},{"code":{"coding":[{"system":"{{{Loinc}}}","code":"3150-0"}]},"valueQuantity":{"value":{{{Decimal(21m + (variation * 4m))}}},"unit":"%","system":"{{{Ucum}}}","code":"%"}}]}
                """,
        };
    }

    private static string Decimal(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
