using System.Text.Json;
using CrsMonitor.Grading;
using CrsMonitor.Grading.Icans;

namespace CrsMonitor.Service.Assessment;

/// <summary>The <c>icans</c> part of the calculator body (the neuro-check items), validated and mapped to <see cref="IcansInput"/>.</summary>
internal static class IcansRequestReader
{
    private static readonly string[] IceItemNames =
    [
        "orientationYear", "orientationMonth", "orientationCity", "orientationHospital",
        "namingCount", "followsCommands", "writesSentence", "countsBackwards",
    ];

    private static readonly string[] CapdItemNames =
    [
        "eyeContact", "purposefulActions", "awareOfSurroundings", "communicatesNeeds",
        "restless", "inconsolable", "underactive", "slowToRespond",
    ];

    /// <summary>
    /// A stored neuro-check reading's detail (a JSON object with the same field names as the calculator's <c>icans</c>
    /// object) read with the same rules; null when it is not JSON or not a valid neuro check.
    /// </summary>
    public static IcansInput? ReadDetail(string detailJson, int? ageYears)
    {
        var (input, errors) = ParseDetail(detailJson, ageYears);
        return errors.Any ? null : input;
    }

    /// <summary>A neuro-check detail read with the calculator's rules: the input as far as it could be read, and its problems.</summary>
    public static (IcansInput? Input, ValidationErrors Errors) ParseDetail(string detailJson, int? ageYears)
    {
        var errors = new ValidationErrors();
        try
        {
            using var document = JsonDocument.Parse(detailJson);
            var reader = JsonObjectReader.Open(document.RootElement, "detail", errors);
            return (reader is null ? null : Read(reader, ageYears), errors);
        }
        catch (JsonException e)
        {
            errors.Add(ValidationErrors.Body, e.Message);
            return (null, errors);
        }
    }

    public static IcansInput Read(JsonObjectReader icans, int? ageYears)
    {
        var iceItems = ReadIceItems(icans);
        var iceScore = icans.Integer("iceScore", 0, 10);
        var capdItems = ReadCapdItems(icans.Object("capdItems"));
        var capdScore = icans.Integer("capdScore", 0, 32);
        var notPossible = icans.Code("iceNotPossibleReason", Vocabulary.IceNotPossibleReason);
        var input = new IcansInput
        {
            AgeYears = ageYears,
            DevelopmentalDelay = icans.Bool("developmentalDelay") ?? false,
            IceItems = iceItems,
            IceScore = iceScore,
            IceNotPossibleReason = notPossible,
            BaselineIceScore = icans.Integer("baselineIceScore", 0, 10),
            Consciousness = icans.Code("consciousness", Vocabulary.Consciousness),
            Sedated = icans.Bool("sedated") ?? false,
            Seizure = icans.Code("seizure", Vocabulary.Seizure),
            Motor = icans.Code("motor", Vocabulary.Motor),
            Icp = ReadIcp(icans),
            ExcludedFindings = icans.CodeList("excludedFindings", Vocabulary.ExcludedFinding) ?? [],
            CapdItems = capdItems,
            CapdScore = capdScore,
            CapdBaseline = icans.Integer("capdBaseline", 0, 32),
            DeathAttributedToIcans = icans.Bool("deathAttributedToIcans") ?? false,
        };
        icans.RejectUnknownFields();

        if (iceItems is not null && iceScore is { } ice && ice != iceItems.Total)
        {
            icans.Errors.Add(icans.PathOf("iceScore"), $"is {ice} but the ICE items total {iceItems.Total}; give one or make them agree");
        }

        if (capdItems is not null && capdScore is { } capd && capd != capdItems.Total)
        {
            icans.Errors.Add(icans.PathOf("capdScore"), $"is {capd} but the CAPD items total {capdItems.Total}; give one or make them agree");
        }

        if (notPossible is not null && (icans.Has("iceScore") || IceItemNames.Any(icans.Has) || icans.Has("capdScore") || icans.Has("capdItems")))
        {
            icans.Errors.Add(icans.PathOf("iceNotPossibleReason"), "says the assessment was not possible, so no ICE or CAPD score or items may be given with it");
        }

        foreach (var contradiction in IcansContradictions.Of(input))
        {
            icans.Errors.Add(icans.PathOf(contradiction.Field), contradiction.Text);
        }

        return input;
    }

    /// <summary>All eight ICE items or none: a partial set would be scored as if the missing items were failed.</summary>
    private static IceItems? ReadIceItems(JsonObjectReader icans)
    {
        var year = icans.Bool("orientationYear");
        var month = icans.Bool("orientationMonth");
        var city = icans.Bool("orientationCity");
        var hospital = icans.Bool("orientationHospital");
        var naming = icans.Integer("namingCount", 0, 3);
        var commands = icans.Bool("followsCommands");
        var writes = icans.Bool("writesSentence");
        var counts = icans.Bool("countsBackwards");
        var given = IceItemNames.Where(icans.Has).ToList();
        if (given.Count is > 0 and < 8)
        {
            foreach (var name in IceItemNames.Except(given))
            {
                icans.Errors.Add(icans.PathOf(name), "is missing: when any ICE item is given, all eight must be (or give iceScore alone)");
            }
        }

        return year is { } y && month is { } m && city is { } c && hospital is { } h && naming is { } n
            && commands is { } f && writes is { } w && counts is { } b
            ? new IceItems(y, m, c, h, n, f, w, b)
            : null;
    }

    private static CapdItems? ReadCapdItems(JsonObjectReader? capd)
    {
        if (capd is null)
        {
            return null;
        }

        var answers = CapdItemNames.Select(name => capd.Code(name, Vocabulary.CapdFrequency)).ToList();
        capd.RejectUnknownFields();
        foreach (var name in CapdItemNames.Where(n => !capd.Has(n)))
        {
            capd.Errors.Add(capd.PathOf(name), $"is missing: all eight CAPD items are required, each one of {string.Join(", ", Vocabulary.CapdFrequency.Codes)}");
        }

        return answers.All(a => a is not null)
            ? new CapdItems(answers[0]!.Value, answers[1]!.Value, answers[2]!.Value, answers[3]!.Value,
                answers[4]!.Value, answers[5]!.Value, answers[6]!.Value, answers[7]!.Value)
            : null;
    }

    /// <summary><c>icp</c> is one word or an array of words; "none" cannot stand beside a finding.</summary>
    private static List<IcpFinding>? ReadIcp(JsonObjectReader icans)
    {
        var icp = icans.CodeList("icp", Vocabulary.Icp, singleAllowed: true)?.Distinct().ToList();
        var path = icans.PathOf("icp");
        if (icp is { Count: 0 } && !icans.Errors.HasUnder(path))
        {
            icans.Errors.Add(path, "is empty: give \"none\" or at least one finding");
        }
        else if (icp is { Count: > 1 } && icp.Contains(IcpFinding.None))
        {
            icans.Errors.Add(path, "cannot combine \"none\" with a finding");
        }

        return icp;
    }
}
