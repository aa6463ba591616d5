using System.Globalization;
using System.Text;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;

namespace CrsMonitor.Service.Tests.Outpatient;

/// <summary>What a wearable or a cuff measured: its LOINC code, value and UCUM unit.</summary>
public enum HomeSignal
{
    Temperature,
    HeartRate,
    Spo2,
    RespiratoryRate,
    BloodPressure,
}

/// <summary>One device reading of the home course.</summary>
public sealed record HomeReading(DateTimeOffset At, HomeSignal Signal, decimal Value, decimal? Diastolic = null);

/// <summary>
/// A simulated 48 h home course after a C1D1 tarlatamab dose (issue 17, "done when"), from two hours before the dose
/// (the devices' baseline) to 48 h after it: the patch sends temperature every 2 minutes and heart rate, SpO2 and
/// respiratory rate every minute; the cuff a blood pressure every 6 h. Events, in hours from the infusion start:
/// the patch is off from 8:00 to 8:40 (nothing from it); the caregiver gives the take-home dexamethasone at 16:10; the
/// cuff reads 84/52 at 18:00 (afebrile hypotension within the steroid's masking period: CRS-AFEBRILE) and 118/74 at
/// 19:00; the temperature rises from 24:00 (36.7 °C, +0.05 °C every 2 minutes, fever 38.0 °C at 24:52) to a plateau of
/// 38.4 °C, and falls from 27:00 to 36.9 °C. Values are deterministic (a fixed seed for the noise).
/// </summary>
public static class HomeCourse
{
    public static readonly TimeSpan PatchOffFrom = TimeSpan.FromHours(8);
    public static readonly TimeSpan PatchOffUntil = TimeSpan.FromHours(8) + TimeSpan.FromMinutes(40);
    public static readonly TimeSpan RiseFrom = TimeSpan.FromHours(24);
    public static readonly TimeSpan DexamethasoneAt = TimeSpan.FromHours(16) + TimeSpan.FromMinutes(10);
    public static readonly TimeSpan HypotensionAt = TimeSpan.FromHours(18);
    public static readonly TimeSpan FallFrom = TimeSpan.FromHours(27);

    public static string Patch(string patient) => $"patch-{patient}";

    public static string Cuff(string patient) => $"cuff-{patient}";

    /// <summary>Every reading from <paramref name="dose"/> − 2 h to <paramref name="dose"/> + 48 h, in time order.</summary>
    public static IReadOnlyList<HomeReading> Readings(DateTimeOffset dose)
    {
        var random = new Random(17);
        var all = new List<HomeReading>();
        for (var t = TimeSpan.FromHours(-2); t <= TimeSpan.FromHours(48); t += TimeSpan.FromMinutes(1))
        {
            var at = dose + t;
            var patchOn = t < PatchOffFrom || t >= PatchOffUntil;
            if (patchOn)
            {
                if (t.Minutes % 2 == 0)
                {
                    all.Add(new HomeReading(at, HomeSignal.Temperature, TemperatureAt(t, random)));
                }

                all.Add(new HomeReading(at, HomeSignal.HeartRate, 74m + random.Next(-4, 5)));
                all.Add(new HomeReading(at, HomeSignal.Spo2, 97m + random.Next(-1, 2)));
                all.Add(new HomeReading(at, HomeSignal.RespiratoryRate, 15m + random.Next(-1, 2)));
            }

            if (t.Ticks % TimeSpan.FromHours(6).Ticks == 0 || t == HypotensionAt || t == HypotensionAt + TimeSpan.FromHours(1))
            {
                var low = t == HypotensionAt;
                all.Add(new HomeReading(at, HomeSignal.BloodPressure, low ? 84m : 118m, low ? 52m : 74m));
            }
        }

        return all;
    }

    /// <summary>The patch's temperature <paramref name="t"/> after the dose: normal with ±0.1 °C noise, the rise and the fall.</summary>
    private static decimal TemperatureAt(TimeSpan t, Random random)
    {
        var noise = random.Next(-1, 2) / 10m;
        if (t < RiseFrom)
        {
            return 36.6m + noise;
        }

        if (t < FallFrom)
        {
            return Math.Min(38.4m, 36.7m + (0.05m * (decimal)((t - RiseFrom).TotalMinutes / 2)));
        }

        var falling = 38.4m - (0.05m * (decimal)((t - FallFrom).TotalMinutes / 2));
        return Math.Max(36.9m, falling);
    }

    /// <summary>A transaction Bundle of the readings (one POST Observation each, with a unique identifier).</summary>
    public static string Bundle(string patient, IEnumerable<HomeReading> readings)
    {
        var json = new StringBuilder("""{"resourceType":"Bundle","type":"transaction","entry":[""");
        var first = true;
        foreach (var r in readings)
        {
            json.Append(first ? string.Empty : ",").Append("""{"resource":""").Append(Observation(patient, r)).Append(""","request":{"method":"POST","url":"Observation"}}""");
            first = false;
        }

        return json.Append("]}").ToString();
    }

    /// <summary>One reading as the device's gateway sends it: LOINC code, UCUM unit, the device by its identifier.</summary>
    public static string Observation(string patient, HomeReading r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var device = r.Signal == HomeSignal.BloodPressure ? Cuff(patient) : Patch(patient);
        var head = $$$"""
            "resourceType":"Observation","identifier":[{"system":"urn:home:{{{device}}}","value":"{{{r.Signal}}}-{{{Iso(r.At)}}}"}],"status":"final",
            "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
            "subject":{"reference":"Patient/{{{patient}}}"},"device":{"identifier":{"system":"urn:home:device","value":"{{{device}}}"}},"effectiveDateTime":"{{{Iso(r.At)}}}"
            """;
        if (r.Signal == HomeSignal.BloodPressure)
        {
            return $$$"""
                {{{{head}}},"code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},"component":[
                {"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":{{{Number(r.Value)}}},"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}},
                {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":{{{Number(r.Diastolic!.Value)}}},"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}}]}
                """;
        }

        var (code, unit) = r.Signal switch
        {
            HomeSignal.Temperature => ("8310-5", "Cel"),
            HomeSignal.HeartRate => ("8867-4", "/min"),
            HomeSignal.Spo2 => ("59408-5", "%"),
            _ => ("9279-1", "/min"),
        };
        return $$$"""
            {{{{head}}},"code":{"coding":[{"system":"http://loinc.org","code":"{{{code}}}"}]},"valueQuantity":{"value":{{{Number(r.Value)}}},"unit":"{{{unit}}}","system":"http://unitsofmeasure.org","code":"{{{unit}}}"}}
            """;
    }

    private static string Number(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
