using System.Globalization;
using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Ingest;

namespace CrsMonitor.Service.Monitoring.Protocols;

/// <summary>
/// What a protocol file must satisfy beyond its schema, each rule with the JSON path it names:
/// <list type="table">
/// <item><term>drug</term><description>drug.key is a protocol drug of drug-map.json; codes.crsmonitor is a code of CodeSystem-medication.json that
/// drug-map.json maps to drug.key; codes.rxnorm (when given) is mapped to drug.key too</description></item>
/// <item><term>doses</term><description>ids unique; cycles.from ≤ cycles.to; no (cycle, day) covered twice; days within cycleLengthDays;
/// step-up indexes 1, 2, ... without gaps</description></item>
/// <item><term>windows</term><description>ids unique (with the extended windows); every dose named exists; minHours ≤ maxHours; a window
/// "after" another names an existing window that covers all its doses and does not end before it; proximity windows
/// follow another window and say maxTravelMinutes; only proximity and home windows may say maxTravelMinutes or require a caregiver</description></item>
/// <item><term>checks</term><description>the overdue grace is shorter than every check interval (the home schedule's too); only the last
/// intensification step lasts to the window's end; a home schedule has at least one kind of check</description></item>
/// <item><term>triggers</term><description>a toxicity trigger has minGrade; ice-drop has none</description></item>
/// <item><term>premedications</term><description>drugKey (when given) is in drug-map.json; doses exist; fromMinutes ≤ toMinutes; over min ≤ max</description></item>
/// <item><term>management</term><description>exactly one text for each of CRS and ICANS grades 1–4</description></item>
/// <item><term>labelOnset</term><description>medianHoursFrom ≤ medianHoursTo (the schema refuses a negative number of hours)</description></item>
/// </list>
/// </summary>
internal static class ProtocolRules
{
    public const string RxNormSystem = "http://www.nlm.nih.gov/research/umls/rxnorm";

    public static IReadOnlyList<(string Path, string Problem)> Check(Protocol protocol, IngestData drugs)
    {
        var problems = new List<(string, string)>();
        CheckDrug(protocol.Drug, drugs, problems);
        CheckDoses(protocol, problems);
        CheckWindows(protocol, problems);
        CheckChecks(protocol.Checks, problems);
        if (protocol.ExtendedMonitoring is { } extended)
        {
            CheckTriggers(extended.Triggers, "$.extendedMonitoring.triggers", problems);
        }

        CheckPremedications(protocol, drugs, problems);
        CheckManagement(protocol.Management, problems);
        CheckLabelOnset(protocol.LabelOnset, problems);
        return problems;
    }

    private static void CheckDrug(ProtocolDrug drug, IngestData drugs, List<(string, string)> problems)
    {
        if (!drugs.DrugClassByKey.TryGetValue(drug.Key, out var drugClass))
        {
            problems.Add(("$.drug.key", $"'{drug.Key}' is not a drug of drug-map.json ({string.Join(", ", ProtocolDrugs(drugs))})"));
        }
        else if (drugClass != "protocol-drug")
        {
            problems.Add(("$.drug.key", $"'{drug.Key}' is a {drugClass} in drug-map.json, not a protocol-drug"));
        }

        if (!drugs.Drugs.CrsmonitorCodes.Contains(drug.Codes.Crsmonitor))
        {
            problems.Add(("$.drug.codes.crsmonitor", $"'{drug.Codes.Crsmonitor}' is not a code of {IngestData.MedicationCodeSystemFile}"));
        }
        else if (drugs.Drugs.ByCode.TryGetValue((IngestData.MedicationSystem, drug.Codes.Crsmonitor), out var entry) && entry.Key != drug.Key)
        {
            problems.Add(("$.drug.codes.crsmonitor", $"'{drug.Codes.Crsmonitor}' is mapped to '{entry.Key}' in drug-map.json, not to '{drug.Key}'"));
        }

        if (drug.Codes.Rxnorm is { } rxnorm)
        {
            if (!drugs.Drugs.ByCode.TryGetValue((RxNormSystem, rxnorm), out var mapped))
            {
                problems.Add(("$.drug.codes.rxnorm", $"RxNorm {rxnorm} is not in drug-map.json: add it there for '{drug.Key}' first, or give null"));
            }
            else if (mapped.Key != drug.Key)
            {
                problems.Add(("$.drug.codes.rxnorm", $"RxNorm {rxnorm} is mapped to '{mapped.Key}' in drug-map.json, not to '{drug.Key}'"));
            }
        }
    }

    private static IEnumerable<string> ProtocolDrugs(IngestData drugs) =>
        drugs.DrugClassByKey.Where(d => d.Value == "protocol-drug").Select(d => d.Key).Order(StringComparer.Ordinal);

    private static void CheckDoses(Protocol protocol, List<(string, string)> problems)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < protocol.Doses.Count; i++)
        {
            var dose = protocol.Doses[i];
            var path = Item("$.doses", i);
            if (!seen.TryAdd(dose.Id, i))
            {
                problems.Add(($"{path}.id", $"'{dose.Id}' is also the id of doses[{seen[dose.Id]}]"));
            }

            if (dose.Cycles.To is { } to && to < dose.Cycles.From)
            {
                problems.Add(($"{path}.cycles", $"from {dose.Cycles.From} is after to {to}"));
            }

            if (protocol.CycleLengthDays is { } length && dose.Days.FirstOrDefault(d => d > length) is > 0 and var late)
            {
                problems.Add(($"{path}.days", $"day {late} is after the end of a {length}-day cycle (cycleLengthDays)"));
            }

            for (var j = 0; j < i; j++)
            {
                var other = protocol.Doses[j];
                if (dose.Cycles.Overlaps(other.Cycles) && dose.Days.Intersect(other.Days).FirstOrDefault() is > 0 and var day)
                {
                    problems.Add(($"{path}.days", $"day {day} of {dose.Cycles} is also covered by doses[{j}] ('{other.Id}'): a (cycle, day) must have one dose"));
                }
            }
        }

        var steps = protocol.Doses.Select((d, i) => (d.StepUpIndex, i)).Where(s => s.StepUpIndex is not null).ToList();
        for (var k = 0; k < steps.Count; k++)
        {
            if (steps[k].StepUpIndex != k + 1)
            {
                problems.Add(($"{Item("$.doses", steps[k].i)}.stepUpIndex", $"is {steps[k].StepUpIndex} but the step-up doses must be numbered 1, 2, ... in file order (expected {k + 1})"));
            }
        }
    }

    private static void CheckWindows(Protocol protocol, List<(string, string)> problems)
    {
        var doseIds = protocol.Doses.Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
        var windows = protocol.Windows.DistinctBy(w => w.Id).ToDictionary(w => w.Id, w => w, StringComparer.Ordinal);
        var extended = protocol.ExtendedMonitoring?.Windows ?? [];
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        var shapes = protocol.Windows.Select((w, i) => (Path: Item("$.windows", i), w.Id, w.Anchor, w.MinHours, w.MaxHours, w.Setting, w.MaxTravelMinutes, w.After, w.CaregiverRequired))
            .Concat(extended.Select((w, i) => (Path: Item("$.extendedMonitoring.windows", i), w.Id, w.Anchor, w.MinHours, w.MaxHours, w.Setting, w.MaxTravelMinutes, w.After, w.CaregiverRequired)));
        foreach (var w in shapes)
        {
            if (!ids.TryAdd(w.Id, w.Path))
            {
                problems.Add(($"{w.Path}.id", $"'{w.Id}' is also the id of {ids[w.Id]}"));
            }

            if (w.MinHours > w.MaxHours)
            {
                problems.Add(($"{w.Path}.minHours", $"{Number(w.MinHours)} is above maxHours {Number(w.MaxHours)}"));
            }

            if (w.Setting == WindowSetting.Proximity && w.After is null)
            {
                problems.Add(($"{w.Path}.after", "a proximity window must follow another window (the patient leaves the setting when that one ends)"));
            }

            if (w.Setting == WindowSetting.Proximity && w.MaxTravelMinutes is null)
            {
                problems.Add(($"{w.Path}.maxTravelMinutes", "a proximity window must say how far (in minutes) the patient may be from the setting"));
            }

            if (!MonitoringSettingKind.MayLimitTravel(w.Setting) && w.MaxTravelMinutes is not null)
            {
                problems.Add(($"{w.Path}.maxTravelMinutes", $"only a proximity or home window has a travel limit; this one is {MonitoringSettingKind.Word(w.Setting)}"));
            }

            if (!MonitoringSettingKind.MayRequireCaregiver(w.Setting) && w.CaregiverRequired)
            {
                problems.Add(($"{w.Path}.caregiverRequired", $"only a proximity or home window requires a caregiver (staff are present in a {MonitoringSettingKind.Word(w.Setting)} window)"));
            }
        }

        for (var i = 0; i < protocol.Windows.Count; i++)
        {
            var window = protocol.Windows[i];
            var path = Item("$.windows", i);
            for (var j = 0; j < window.Doses.Count; j++)
            {
                if (!doseIds.Contains(window.Doses[j]))
                {
                    problems.Add(($"{path}.doses[{j}]", $"'{window.Doses[j]}' is not the id of a dose ({string.Join(", ", doseIds)})"));
                }
            }

            if (window.After is not { } after)
            {
                continue;
            }

            if (after == window.Id || !windows.TryGetValue(after, out var before))
            {
                problems.Add(($"{path}.after", $"'{after}' is not the id of another window"));
            }
            else if (window.Doses.Except(before.Doses).FirstOrDefault() is { } uncovered)
            {
                problems.Add(($"{path}.after", $"window '{after}' does not cover dose '{uncovered}' of this window"));
            }
            else if (before.After is not null)
            {
                problems.Add(($"{path}.after", $"window '{after}' itself follows another window; chains of more than two windows are not supported"));
            }
            else if (before.Anchor == window.Anchor && before.MaxHours > window.MinHours)
            {
                problems.Add(($"{path}.minHours", $"{Number(window.MinHours)} ends before window '{after}' it follows (maxHours {Number(before.MaxHours)})"));
            }
        }

        for (var i = 0; i < extended.Count; i++)
        {
            if (extended[i].After is { } after && (after == extended[i].Id || !extended.Any(w => w.Id == after)))
            {
                problems.Add(($"{Item("$.extendedMonitoring.windows", i)}.after", $"'{after}' is not the id of another extended window"));
            }
        }
    }

    private static void CheckChecks(CheckSchedule checks, List<(string, string)> problems)
    {
        var intervals = new[] { ("vitalSignsEveryMinutes", checks.VitalSignsEveryMinutes), ("iceEveryMinutes", checks.IceEveryMinutes) }
            .Concat(checks.Intensification.Steps.Select((s, i) => ($"intensification.steps[{i}].everyMinutes", s.EveryMinutes)));
        foreach (var (name, minutes) in intervals.Where(x => x.Item2 <= checks.OverdueGraceMinutes))
        {
            problems.Add(("$.checks.overdueGraceMinutes", $"{checks.OverdueGraceMinutes} is not shorter than {name} ({minutes}): a check would be due again before it is overdue"));
        }

        var steps = checks.Intensification.Steps;
        for (var i = 0; i < steps.Count - 1; i++)
        {
            if (steps[i].ForMinutes is null)
            {
                problems.Add(($"$.checks.intensification.steps[{i}].forMinutes", "only the last step may last to the end of the window (null)"));
            }
        }

        CheckTriggers(checks.Intensification.Triggers, "$.checks.intensification.triggers", problems);
        if (checks.Home is { } home)
        {
            if (home.VitalSignsEveryMinutes is null && home.IceEveryMinutes is null)
            {
                problems.Add(("$.checks.home", "has neither vitalSignsEveryMinutes nor iceEveryMinutes: leave checks.home out for a home setting without scheduled checks"));
            }

            foreach (var (name, minutes) in new[] { ("vitalSignsEveryMinutes", home.VitalSignsEveryMinutes), ("iceEveryMinutes", home.IceEveryMinutes) })
            {
                if (minutes is { } m && m <= checks.OverdueGraceMinutes)
                {
                    problems.Add(($"$.checks.home.{name}", $"{m} is not longer than overdueGraceMinutes ({checks.OverdueGraceMinutes}): a check would be due again before it is overdue"));
                }
            }
        }
    }

    private static void CheckTriggers(IReadOnlyList<ProtocolTrigger> triggers, string path, List<(string, string)> problems)
    {
        for (var i = 0; i < triggers.Count; i++)
        {
            var trigger = triggers[i];
            if (trigger.On == TriggerKind.IceDrop && trigger.MinGrade is not null)
            {
                problems.Add(($"{Item(path, i)}.minGrade", "an ice-drop trigger has no grade"));
            }
            else if (trigger.On != TriggerKind.IceDrop && trigger.MinGrade is null)
            {
                problems.Add(($"{Item(path, i)}.minGrade", "is missing: a toxicity trigger needs the lowest grade that fires it"));
            }
        }
    }

    private static void CheckPremedications(Protocol protocol, IngestData drugs, List<(string, string)> problems)
    {
        var doseIds = protocol.Doses.Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
        var items = protocol.Premedications.Items;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var path = Item("$.premedications.items", i);
            if (!seen.Add(item.Id))
            {
                problems.Add(($"{path}.id", $"'{item.Id}' is given twice"));
            }

            if (item.DrugKey is { } key && !drugs.DrugClassByKey.ContainsKey(key))
            {
                problems.Add(($"{path}.drugKey", $"'{key}' is not a drug of drug-map.json (give null for a drug CrsMonitor does not read)"));
            }

            for (var j = 0; j < item.Doses.Count; j++)
            {
                if (!doseIds.Contains(item.Doses[j]))
                {
                    problems.Add(($"{path}.doses[{j}]", $"'{item.Doses[j]}' is not the id of a dose"));
                }
            }

            if (item.Timing.FromMinutes > item.Timing.ToMinutes)
            {
                problems.Add(($"{path}.timing.fromMinutes", $"{item.Timing.FromMinutes} is after toMinutes {item.Timing.ToMinutes}"));
            }

            if (item.Timing.OverMinutes is { } over && over.Min > over.Max)
            {
                problems.Add(($"{path}.timing.overMinutes.min", $"{over.Min} is above max {over.Max}"));
            }
        }

        if (protocol.Premedications.Basis != Basis.LabelNotTranscribed && items.Count == 0)
        {
            problems.Add(("$.premedications.items", "is empty: say basis label-not-transcribed when the label's premedication is not carried here"));
        }
    }

    private static void CheckManagement(IReadOnlyList<ManagementText> management, List<(string, string)> problems)
    {
        var seen = new Dictionary<(Scale, int), int>();
        for (var i = 0; i < management.Count; i++)
        {
            var entry = management[i];
            if (!seen.TryAdd((entry.Toxicity, entry.Grade), i))
            {
                problems.Add(($"{Item("$.management", i)}.grade", $"{entry.Toxicity.Label()} grade {entry.Grade} is also given by management[{seen[(entry.Toxicity, entry.Grade)]}]"));
            }
        }

        foreach (var toxicity in Enum.GetValues<Scale>())
        {
            var missing = Enumerable.Range(1, 4).Where(g => !seen.ContainsKey((toxicity, g))).ToList();
            if (missing.Count > 0)
            {
                problems.Add(("$.management", $"has no text for {toxicity.Label()} grade {string.Join(", ", missing)} (every file has CRS and ICANS grades 1-4)"));
            }
        }
    }

    private static void CheckLabelOnset(LabelOnset? onset, List<(string, string)> problems)
    {
        foreach (var (name, range) in new[] { ("crs", onset?.Crs), ("icans", onset?.Icans) })
        {
            if (range is not null && range.MedianHoursFrom > range.MedianHoursTo)
            {
                problems.Add(($"$.labelOnset.{name}.medianHoursFrom", $"{Number(range.MedianHoursFrom)} is above medianHoursTo {Number(range.MedianHoursTo)}"));
            }
        }
    }

    private static string Item(string path, int index) => string.Create(CultureInfo.InvariantCulture, $"{path}[{index}]");

    private static string Number(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
