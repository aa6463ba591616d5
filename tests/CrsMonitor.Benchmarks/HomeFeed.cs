using System.Globalization;
using System.Text;

namespace CrsMonitor.Benchmarks;

/// <summary>
/// The FHIR JSON of the home scenario: each patient's C1D1 tarlatamab dose (so the patient's monitoring windows are
/// open while the stream runs) and the readings of their devices, each Observation naming its device: the wearable
/// patch for temperature, heart rate, SpO2 and respiratory rate, the cuff for blood pressure.
/// </summary>
public static class HomeFeed
{
    private const string Loinc = "http://loinc.org";
    private const string Ucum = "http://unitsofmeasure.org";

    public static string Patch(string patient) => $"patch-{patient}";

    public static string Cuff(string patient) => $"cuff-{patient}";

    /// <summary>A completed one-hour tarlatamab infusion (the C1D1 step-up dose) from <paramref name="start"/>.</summary>
    public static byte[] Dose(string runId, string patient, DateTimeOffset start) => Encoding.UTF8.GetBytes($$$"""
        {"resourceType":"MedicationAdministration","identifier":[{"system":"urn:bench:{{{runId}}}","value":"dose-{{{patient}}}"}],"status":"completed","medicationCodeableConcept":{"coding":[{"system":"https://crsmonitor.org/fhir/CodeSystem/medication","code":"tarlatamab"}]},"subject":{"reference":"Patient/{{{patient}}}"},"dosage":{"dose":{"value":1,"unit":"mg","system":"{{{Ucum}}}","code":"mg"},"route":{"coding":[{"system":"http://snomed.info/sct","code":"47625008"}]}},"effectivePeriod":{"start":"{{{Iso(start)}}}","end":"{{{Iso(start.AddHours(1))}}}"}}
        """);

    /// <summary>One reading of <paramref name="signal"/> taken at <paramref name="at"/>, normal values with noise.</summary>
    public static byte[] Reading(string runId, string patient, long sequence, HomeSignal signal, DateTimeOffset at, Random random)
    {
        ArgumentNullException.ThrowIfNull(signal);
        ArgumentNullException.ThrowIfNull(random);
        var identifier = $"home-{sequence.ToString(CultureInfo.InvariantCulture)}";
        if (signal.Sign is not { } sign)
        {
            return Encoding.UTF8.GetBytes(BloodPressure(runId, patient, identifier, at, random));
        }

        var value = sign switch
        {
            VitalSign.HeartRate => 72m + random.Next(-8, 9),
            VitalSign.SpO2 => 97m + random.Next(-2, 2),
            VitalSign.RespiratoryRate => 15m + random.Next(-2, 3),
            _ => 36.6m + (random.Next(-3, 4) / 10m),
        };
        return Encoding.UTF8.GetBytes(WearableFeed.Observation(runId, patient, identifier, new VitalSample(sign, at, value), Patch(patient)));
    }

    private static string BloodPressure(string runId, string patient, string identifier, DateTimeOffset at, Random random) => $$$"""
        {"resourceType":"Observation","identifier":[{"system":"urn:bench:{{{runId}}}","value":"{{{identifier}}}"}],"status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],"code":{"coding":[{"system":"{{{Loinc}}}","code":"85354-9"}]},"subject":{"reference":"Patient/{{{patient}}}"},{{{WearableFeed.Device(Cuff(patient))}}}"effectiveDateTime":"{{{Iso(at)}}}","component":[{"code":{"coding":[{"system":"{{{Loinc}}}","code":"8480-6"}]},"valueQuantity":{"value":{{{122 + random.Next(-6, 7)}}},"unit":"mmHg","system":"{{{Ucum}}}","code":"mm[Hg]"}},{"code":{"coding":[{"system":"{{{Loinc}}}","code":"8462-4"}]},"valueQuantity":{"value":{{{76 + random.Next(-4, 5)}}},"unit":"mmHg","system":"{{{Ucum}}}","code":"mm[Hg]"}}]}
        """;

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
