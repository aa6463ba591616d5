using System.Text.Json;
using CrsMonitor.Grading;
using CrsMonitor.Grading.Crs;

namespace CrsMonitor.Service.Assessment;

/// <summary>The <c>crs</c> part of the calculator body, validated and mapped to <see cref="CrsInput"/>.</summary>
internal static class CrsRequestReader
{
    /// <summary>Physically possible body temperatures; anything outside is a typo or a wrong unit.</summary>
    private const decimal MinCelsius = 25m, MaxCelsius = 45m, MinFahrenheit = 77m, MaxFahrenheit = 113m;

    /// <summary>
    /// The drug classes of the calculator's medication list (CRS-AFEBRILE): they may mask a fever. The words are the drug
    /// map's classes continuous grading reads (<see cref="TimelineWords.FeverTherapyClasses"/>).
    /// </summary>
    private enum MaskingClass
    {
        Corticosteroid,
        Antipyretic,
        AntiCytokine,
    }

    private static readonly CodeTable<MaskingClass> MaskingClasses = new(
        [(MaskingClass.Corticosteroid, TimelineWords.Corticosteroid), (MaskingClass.Antipyretic, TimelineWords.Antipyretic),
         (MaskingClass.AntiCytokine, TimelineWords.AntiCytokine)]);

    /// <param name="crs">The <c>crs</c> object.</param>
    /// <param name="ageYears">The body's <c>ageYears</c> (CRS-HYPO-PED), as ICANS takes it.</param>
    /// <param name="maskingPeriod">How long a listed drug may mask fever (<c>ContinuousGrading:PremedicationMasksFor</c>).</param>
    public static CrsInput Read(JsonObjectReader crs, int? ageYears, TimeSpan maskingPeriod)
    {
        var assessedAt = crs.Instant("assessedAt");
        var input = new CrsInput
        {
            AgeYears = ageYears,
            FeverModifyingDrugRecent = ReadMedications(crs, assessedAt, maskingPeriod),
            Temperature = ReadTemperature(crs.Object("temperature")),
            CrsEstablished = crs.Bool("crsEstablished") ?? false,
            FeverTherapyGiven = crs.Bool("feverTherapyGiven") ?? false,
            SteroidPremedication = crs.Bool("steroidPremedication") ?? false,
            FeverAttributedToOtherCause = crs.Bool("feverAttributedToOtherCause") ?? false,
            HypotensionAttributedToOtherCause = crs.Bool("hypotensionAttributedToOtherCause") ?? false,
            HypoxiaAttributedToOtherCause = crs.Bool("hypoxiaAttributedToOtherCause") ?? false,
            SystolicBpMmHg = crs.Decimal("systolicBp", 0, 300, "mmHg"),
            FluidBolusForHypotension = crs.Bool("fluidBolusForHypotension") ?? false,
            Vasoactives = ReadVasopressors(crs),
            AssessedAt = assessedAt,
            Oxygen = ReadOxygen(crs.Object("oxygen")),
            OrganToxicities = ReadOrganToxicities(crs),
            DeathAttributedToCrs = crs.Bool("deathAttributedToCrs") ?? false,
        };

        var timed = input.Vasoactives.Select((v, i) => (v, i)).FirstOrDefault(x => x.v.Start is not null || x.v.End is not null);
        if (timed.v is not null && input.AssessedAt is null && !crs.Errors.Has(crs.PathOf("assessedAt")))
        {
            crs.Errors.Add(crs.PathOf("assessedAt"),
                $"is required because {crs.PathOf("vasopressors")}[{timed.i}] has a start or end time: infusions are counted as running at this instant");
        }

        crs.RejectUnknownFields();
        return input;
    }

    private static Temperature? ReadTemperature(JsonObjectReader? t)
    {
        if (t is null)
        {
            return null;
        }

        var value = t.Number("value");
        var unit = t.Code("unit", Vocabulary.TemperatureUnit);
        t.RejectUnknownFields();
        if (!t.Has("value") && !t.Errors.Has(t.PathOf("value")))
        {
            t.Errors.Add(t.PathOf("value"), "is required: the measured temperature");
        }

        if (!t.Has("unit"))
        {
            t.Errors.Add(t.PathOf("unit"), $"is required: one of {string.Join(", ", Vocabulary.TemperatureUnit.Codes)}");
        }

        if (value is not { } v || unit is not { } u)
        {
            return null;
        }

        var (min, max, symbol) = u == TemperatureUnit.Celsius ? (MinCelsius, MaxCelsius, "°C") : (MinFahrenheit, MaxFahrenheit, "°F");
        if (v < min || v > max)
        {
            t.Errors.Add(t.PathOf("value"), $"{v} {symbol} is outside the physically possible range {min}–{max} {symbol}; check the value and the unit");
            return null;
        }

        return new Temperature(v, u);
    }

    private static List<VasoactiveInfusion> ReadVasopressors(JsonObjectReader crs)
    {
        var infusions = new List<VasoactiveInfusion>();
        foreach (var (item, path) in crs.Array("vasopressors", 20) ?? [])
        {
            if (JsonObjectReader.Open(item, path, crs.Errors) is not { } v)
            {
                continue;
            }

            var agent = v.Code("agent", Vocabulary.VasoactiveAgent);
            var start = v.Instant("start");
            var end = v.Instant("end");
            v.RejectUnknownFields();
            if (!v.Has("agent"))
            {
                v.Errors.Add(v.PathOf("agent"), $"is required: one of {string.Join(", ", Vocabulary.VasoactiveAgent.Codes)}");
            }

            if (start is { } s && end is { } e && e < s)
            {
                v.Errors.Add(v.PathOf("end"), $"is before the start ({e:O} < {s:O})");
            }

            if (agent is { } a)
            {
                infusions.Add(new VasoactiveInfusion(a, start, end));
            }
        }

        return infusions;
    }

    private static OxygenSupport? ReadOxygen(JsonObjectReader? o)
    {
        if (o is null)
        {
            return null;
        }

        var device = o.Code("device", Vocabulary.OxygenDevice);
        var flow = o.Decimal("flowLitresPerMinute", 0, 80, "L/min");
        var atBaseline = o.Bool("atBaseline") ?? false;
        var forComfort = o.Bool("forComfort") ?? false;
        var spo2 = o.Decimal("roomAirSpo2", 0, 100, "%");
        o.RejectUnknownFields();
        if (!o.Has("device"))
        {
            o.Errors.Add(o.PathOf("device"), $"is required: one of {string.Join(", ", Vocabulary.OxygenDevice.Codes)}");
        }

        if (device == OxygenDevice.RoomAir && flow > 0)
        {
            o.Errors.Add(o.PathOf("flowLitresPerMinute"), $"must be absent or 0 on room-air (was {flow})");
        }
        else if (device is { } d0 && d0 != OxygenDevice.RoomAir && flow == 0)
        {
            o.Errors.Add(o.PathOf("flowLitresPerMinute"),
                $"is 0 L/min with {o.PathOf("device")} {Vocabulary.OxygenDevice.Code(d0)}: no flow is no oxygen support, record room air instead (CRS-O2)");
        }

        return device is { } d ? new OxygenSupport(d, flow, atBaseline, forComfort, spo2) : null;
    }

    /// <summary>
    /// CRS-AFEBRILE: <c>medications</c>, each <c>{ "class", "givenAt" }</c>; true when one was given within the masking
    /// period before <c>assessedAt</c> (a drug without <c>givenAt</c> is taken as given within it).
    /// </summary>
    private static bool ReadMedications(JsonObjectReader crs, DateTimeOffset? assessedAt, TimeSpan maskingPeriod)
    {
        var recent = false;
        foreach (var (item, path) in crs.Array("medications", 20) ?? [])
        {
            if (JsonObjectReader.Open(item, path, crs.Errors) is not { } m)
            {
                continue;
            }

            var drugClass = m.Code("class", MaskingClasses);
            var givenAt = m.Instant("givenAt");
            m.RejectUnknownFields();
            if (!m.Has("class"))
            {
                m.Errors.Add(m.PathOf("class"), $"is required: one of {string.Join(", ", MaskingClasses.Codes)}");
            }

            if (givenAt is not null && assessedAt is null && !crs.Errors.Has(crs.PathOf("assessedAt")))
            {
                crs.Errors.Add(crs.PathOf("assessedAt"), $"is required because {m.PathOf("givenAt")} is given: the masking period counts back from it");
            }

            recent |= drugClass is not null && (givenAt is not { } at || (assessedAt is { } now && at <= now && now - at < maskingPeriod));
        }

        return recent;
    }

    private static List<string> ReadOrganToxicities(JsonObjectReader crs)
    {
        var list = new List<string>();
        foreach (var (item, path) in crs.Array("organToxicities", 20) ?? [])
        {
            if (item.ValueKind == JsonValueKind.String && item.GetString() is { Length: > 0 and <= 200 } text)
            {
                list.Add(text);
            }
            else
            {
                crs.Errors.Add(path, "must be a non-empty string of at most 200 characters (e.g. \"grade 3 creatinine\")");
            }
        }

        return list;
    }
}
