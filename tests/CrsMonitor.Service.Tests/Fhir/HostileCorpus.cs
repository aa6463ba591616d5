using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CrsMonitor.Service.Tests.Ingest;

namespace CrsMonitor.Service.Tests.Fhir;

/// <summary>One generated hostile request: a valid resource with one element made hostile.</summary>
public sealed record HostileCase(string Name, string Type, string Json, string Element, string Kind)
{
    public override string ToString() => Name;
}

/// <summary>
/// A corpus generated from every valid sample the ingester reads (<see cref="IngestSamples.Valid"/>): each string
/// element in turn carrying a character no provider can store or FHIR's string type forbids (NUL, a C0 control, a lone
/// surrogate), each time element at the edges of what a database or <see cref="DateTimeOffset"/> holds, and each number
/// beyond what <see cref="decimal"/> holds. None may answer a 5xx; each refusal is an OperationOutcome.
/// </summary>
public static partial class HostileCorpus
{
    /// <summary>Written as JSON escapes, so the raw text carries the character itself once parsed.</summary>
    private static readonly (string Kind, string Escape)[] Characters =
    [
        ("nul", "\\u0000"),
        ("control", "\\u0001"),
        ("lone-surrogate", "\\ud800"),
    ];

    private static readonly string[] Instants =
    [
        "0001-01-01T00:00:00Z", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59Z", "9999-12-31T23:59:59-14:00",
        "1899-12-31T23:59:59Z", "2200-01-01T00:00:01Z",
    ];

    private static readonly string[] Numbers = ["1e400", "-1e400", "79228162514264337593543950336", "1e-400", "0.00000000000000000000000000001"];

    private const string Marker = "__HOSTILE__";

    public static IReadOnlyList<HostileCase> Cases { get; } = [.. Generate()];

    private static IEnumerable<HostileCase> Generate()
    {
        foreach (var (name, type, json) in IngestSamples.Valid)
        {
            var leaves = Leaves(JsonNode.Parse(json)!, type).ToList();
            foreach (var (path, value) in leaves.Where(l => l.Value.GetValueKind() == System.Text.Json.JsonValueKind.String))
            {
                foreach (var (kind, escape) in Characters)
                {
                    var text = Replace(json, path, JsonValue.Create(value.GetValue<string>() + Marker)).Replace(Marker, escape, StringComparison.Ordinal);
                    yield return new HostileCase($"{name}_{kind}_{path}", type, text, path, kind);
                }

                if (DateLike().IsMatch(value.GetValue<string>()))
                {
                    foreach (var instant in Instants)
                    {
                        yield return new HostileCase($"{name}_instant-{instant}_{path}", type, Replace(json, path, JsonValue.Create(instant)), path, "instant");
                    }
                }
            }

            foreach (var (path, _) in leaves.Where(l => l.Value.GetValueKind() == System.Text.Json.JsonValueKind.Number))
            {
                foreach (var number in Numbers)
                {
                    var text = Replace(json, path, JsonValue.Create(Marker)).Replace($"\"{Marker}\"", number, StringComparison.Ordinal);
                    yield return new HostileCase($"{name}_number-{number}_{path}", type, text, path, "number");
                }
            }
        }
    }

    /// <summary>Every leaf value with its FHIRPath-like path (<c>Observation.code.coding[0].system</c>).</summary>
    private static IEnumerable<(string Path, JsonValue Value)> Leaves(JsonNode node, string path) => node switch
    {
        JsonObject o => o.SelectMany(p => p.Value is null ? [] : Leaves(p.Value, $"{path}.{p.Key}")),
        JsonArray a => a.SelectMany((item, i) => item is null ? [] : Leaves(item, $"{path}[{i}]")),
        JsonValue v => [(path, v)],
        _ => [],
    };

    private static string Replace(string json, string path, JsonNode replacement)
    {
        var root = JsonNode.Parse(json)!;
        var steps = PathStep().Matches(path).Select(m => m.Value).Skip(1).ToList();
        var parent = root;
        for (var i = 0; i < steps.Count - 1; i++)
        {
            parent = Step(parent, steps[i]);
        }

        var last = steps[^1];
        if (last.StartsWith('['))
        {
            parent.AsArray()[int.Parse(last[1..^1], System.Globalization.CultureInfo.InvariantCulture)] = replacement;
        }
        else
        {
            parent.AsObject()[last] = replacement;
        }

        return root.ToJsonString();
    }

    private static JsonNode Step(JsonNode node, string step) => step.StartsWith('[')
        ? node.AsArray()[int.Parse(step[1..^1], System.Globalization.CultureInfo.InvariantCulture)]!
        : node.AsObject()[step]!;

    [GeneratedRegex(@"[^.\[]+|\[\d+\]")]
    private static partial Regex PathStep();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}")]
    private static partial Regex DateLike();
}
