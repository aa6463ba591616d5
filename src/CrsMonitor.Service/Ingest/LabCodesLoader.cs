using System.Text.Json;
using CrsMonitor.Service.Readings;

namespace CrsMonitor.Service.Ingest;

/// <summary>
/// Reads and checks <c>lab-codes.json</c> (<see cref="IngestData.LabCodesFile"/>) with the same strict reader as the
/// observation table: exactly the analytes of <see cref="LabAnalytes"/> with their canonical units; LOINC codes with the
/// right check digit, each with one meaning across both tables; units with a range and an exact conversion; a code's
/// own units among its analyte's; a qualifier on every code of an analyte or on none. Any problem stops the service.
/// </summary>
internal static class LabCodesLoader
{
    public static LabTable Load(string directory, ObservationTable observations)
    {
        var file = DataFile.Read(directory, IngestData.LabCodesFile);
        using var document = file.Json();
        var root = document.RootElement;
        file.String(root, string.Empty, "description");
        if (file.String(root, string.Empty, "loinc") != observations.LoincSystem)
        {
            throw file.Problem("loinc", $"must be {observations.LoincSystem}");
        }

        if (file.String(root, string.Empty, "ucum") != observations.UcumSystem)
        {
            throw file.Problem("ucum", $"must be {observations.UcumSystem}");
        }

        var analytes = new List<LabAnalyte>();
        var byLoinc = new Dictionary<string, (LabAnalyte, LabCode)>(StringComparer.Ordinal);
        foreach (var (item, path) in file.Array(root, string.Empty, "analytes"))
        {
            var analyte = LoadAnalyte(file, item, path);
            if (analytes.Any(a => a.Key == analyte.Key))
            {
                throw file.Problem($"{path}.key", $"'{analyte.Key}' is given twice");
            }

            foreach (var code in analyte.Codes)
            {
                var loinc = code.Loinc.Code;
                if (observations.QuantitiesByLoinc.ContainsKey(loinc) || observations.BloodPressurePanelCodes.Contains(loinc)
                    || observations.NotGradedByLoinc.ContainsKey(loinc) || !byLoinc.TryAdd(loinc, (analyte, code)))
                {
                    throw file.Problem($"{path}.codes", $"LOINC {loinc} already has a meaning ({IngestData.ObservationCodesFile} or another analyte)");
                }
            }

            analytes.Add(analyte);
        }

        var expected = LabAnalytes.All.Select(a => $"{a.Key} ({a.CanonicalUnit})").ToList();
        var actual = analytes.Select(a => $"{a.Key} ({a.CanonicalUnit})").ToList();
        if (!expected.ToHashSet(StringComparer.Ordinal).SetEquals(actual))
        {
            throw file.Problem("analytes", $"must be exactly the contract's analytes with their canonical units [{string.Join(", ", expected)}], not [{string.Join(", ", actual)}]");
        }

        return new LabTable([.. LabAnalytes.All.Select(a => analytes.Single(x => x.Key == a.Key))], byLoinc);
    }

    private static LabAnalyte LoadAnalyte(DataFile file, JsonElement item, string path)
    {
        var key = file.String(item, path, "key");
        var display = file.String(item, path, "display");
        var canonical = file.String(item, path, "canonicalUnit");
        var units = new Dictionary<string, UnitRule>(StringComparer.Ordinal);
        foreach (var (unit, unitPath) in file.Array(item, path, "units"))
        {
            var rule = IngestData.LoadUnit(file, unit, unitPath);
            if (!units.TryAdd(rule.Code, rule))
            {
                throw file.Problem($"{path}.units", $"gives '{rule.Code}' twice");
            }
        }

        if (!units.TryGetValue(canonical, out var canonicalRule) || !canonicalRule.IsIdentity)
        {
            throw file.Problem($"{path}.canonicalUnit", $"'{canonical}' must be one of the units, without conversion");
        }

        var codes = new List<LabCode>();
        foreach (var (code, codePath) in file.Array(item, path, "codes"))
        {
            var loinc = LoincCode.Read(file, code, codePath);
            var qualifier = file.Optional(code, codePath, "qualifier", JsonValueKind.String) is { } q ? file.String(code, codePath, "qualifier") : null;
            var own = file.Optional(code, codePath, "units", JsonValueKind.Array) is null
                ? [.. units.Values]
                : file.Strings(code, codePath, "units").Select(u => units.TryGetValue(u, out var r)
                    ? r
                    : throw file.Problem($"{codePath}.units", $"'{u}' is not one of {path}.units")).ToList();
            codes.Add(new LabCode(loinc, qualifier, own));
        }

        if (codes.Any(c => c.Qualifier is null) && codes.Any(c => c.Qualifier is not null))
        {
            throw file.Problem($"{path}.codes", "a qualifier must be given on every code of the analyte or on none");
        }

        var unused = units.Keys.Where(u => codes.All(c => c.Units.All(r => r.Code != u))).ToList();
        return unused.Count > 0
            ? throw file.Problem($"{path}.units", $"[{string.Join(", ", unused)}] are taken by none of the codes")
            : new LabAnalyte(key, display, canonical, codes);
    }
}
