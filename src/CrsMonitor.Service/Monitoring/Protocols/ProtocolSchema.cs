using System.Globalization;
using System.Text.Json;
using CrsMonitor.Service.Hosting;
using Json.Schema;

namespace CrsMonitor.Service.Monitoring.Protocols;

/// <summary>
/// <c>protocol.schema.json</c> (JSON Schema draft 2020-12, evaluated by JsonSchema.Net with format validation on),
/// with its errors turned into problems a pharmacist can act on: the JSON path of the field (<c>$.windows[0].minHours</c>)
/// and what is wrong in words ("is missing", "is not a known field", "'fever' is not one of: crs, icans, ...").
/// </summary>
public sealed class ProtocolSchema
{
    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    private readonly JsonSchema schema;
    private readonly JsonElement schemaJson;

    private ProtocolSchema(string path, JsonSchema schema, JsonElement schemaJson)
    {
        Path = path;
        this.schema = schema;
        this.schemaJson = schemaJson;
    }

    public string Path { get; }

    /// <summary>Reads and builds the schema; a missing or broken schema file stops the service.</summary>
    public static ProtocolSchema Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            var text = File.ReadAllText(path);
            // A registry of its own: the schema's $id may be built again (tests, a second host) without a clash.
            var built = JsonSchema.FromText(text, new BuildOptions { SchemaRegistry = new SchemaRegistry() });
            using var json = JsonDocument.Parse(text);
            return new ProtocolSchema(path, built, json.RootElement.Clone());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or JsonSchemaException)
        {
            throw new StartupConfigurationException($"Protocol schema {path} cannot be used: {e.Message}", e);
        }
    }

    /// <summary>The problems of <paramref name="protocol"/> (a parsed protocol file), each as (JSON path, problem); empty when valid.</summary>
    public IReadOnlyList<(string Path, string Problem)> Check(JsonElement protocol)
    {
        var results = schema.Evaluate(protocol, Evaluation);
        if (results.IsValid)
        {
            return [];
        }

        var problems = new List<(string, string)>();
        foreach (var result in (results.Details ?? []).Prepend(results))
        {
            foreach (var (keyword, message) in result.Errors ?? new Dictionary<string, string>())
            {
                var pointer = Segments(result.InstanceLocation.ToString());
                var instance = Resolve(protocol, pointer);
                var subschema = SubschemaAt(result.SchemaLocation);
                problems.AddRange(Describe(keyword, message, protocol, pointer, instance, subschema));
            }
        }

        return [.. problems.Distinct()];
    }

    private static IEnumerable<(string, string)> Describe(
        string keyword, string message, JsonElement root, IReadOnlyList<string> pointer, JsonElement? instance, JsonElement? subschema)
    {
        var path = JsonPath(root, pointer);
        switch (keyword)
        {
            case "required" when instance is { ValueKind: JsonValueKind.Object } obj && Keyword(subschema, "required") is { ValueKind: JsonValueKind.Array } required:
                foreach (var name in required.EnumerateArray().Select(n => n.GetString()!).Where(n => !obj.TryGetProperty(n, out _)))
                {
                    yield return (JsonPath(root, [.. pointer, name]), "is missing");
                }

                yield break;
            case "" or "false":
                // additionalProperties: false fails the field itself.
                yield return (path, "is not a known field (check its spelling against protocol.schema.json)");
                yield break;
            case "enum" when Keyword(subschema, "enum") is { ValueKind: JsonValueKind.Array } allowed:
                yield return (path, $"{Show(instance)} is not one of: {string.Join(", ", allowed.EnumerateArray().Select(a => a.ToString()))}");
                yield break;
            case "const" when Keyword(subschema, "const") is { } constant:
                yield return (path, $"{Show(instance)} must be {constant.GetRawText()}");
                yield break;
            case "type" when Keyword(subschema, "type") is { } type:
                var wanted = type.ValueKind == JsonValueKind.Array ? string.Join(" or ", type.EnumerateArray().Select(t => t.GetString())) : type.GetString();
                yield return (path, $"is {Kind(instance)} but must be {wanted}");
                yield break;
            case "format" when Keyword(subschema, "format") is { } format:
                yield return (path, $"{Show(instance)} is not a valid {format.GetString()}");
                yield break;
            case "minLength" when instance is { ValueKind: JsonValueKind.String } text && text.GetString()!.Length == 0:
                yield return (path, "must not be empty");
                yield break;
            case "pattern" when Keyword(subschema, "pattern") is { } pattern:
                yield return (path, $"{Show(instance)} does not match the pattern {pattern.GetString()}");
                yield break;
            default:
                yield return (path, $"{message} ({keyword})");
                yield break;
        }
    }

    /// <summary>
    /// The subschema whose keyword failed. JsonSchema.Net 8 names an applicator's subschema with the parent property
    /// appended (<c>#/properties/notes/items/notes</c>), so a location that does not resolve is tried without its last segment.
    /// </summary>
    private JsonElement? SubschemaAt(Uri location)
    {
        if (location.Fragment is not { Length: > 1 } fragment)
        {
            return schemaJson;
        }

        var segments = Segments(Uri.UnescapeDataString(fragment[1..]));
        return Resolve(schemaJson, segments) ?? (segments.Count > 0 ? Resolve(schemaJson, segments[..^1]) : null);
    }

    private static JsonElement? Keyword(JsonElement? subschema, string name) =>
        subschema is { ValueKind: JsonValueKind.Object } s && s.TryGetProperty(name, out var value) ? value : null;

    private static string Show(JsonElement? value) => value is { } v ? (v.ValueKind == JsonValueKind.String ? $"'{v.GetString()}'" : v.GetRawText()) : "the value";

    private static string Kind(JsonElement? value) => value?.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.True or JsonValueKind.False => "true/false",
        JsonValueKind.Null => "null",
        _ => "missing",
    };

    /// <summary>The unescaped segments of a JSON Pointer (RFC 6901).</summary>
    private static List<string> Segments(string pointer) =>
        pointer.Length == 0 ? [] : [.. pointer.TrimStart('/').Split('/').Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))];

    private static JsonElement? Resolve(JsonElement root, IEnumerable<string> segments)
    {
        JsonElement? current = root;
        foreach (var segment in segments)
        {
            current = current switch
            {
                { ValueKind: JsonValueKind.Object } o when o.TryGetProperty(segment, out var child) => child,
                { ValueKind: JsonValueKind.Array } a when int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.GetArrayLength() => a[i],
                _ => null,
            };
        }

        return current;
    }

    /// <summary>A JSON Pointer written as a JSONPath: <c>/windows/0/minHours</c> → <c>$.windows[0].minHours</c>.</summary>
    internal static string JsonPath(JsonElement root, IReadOnlyList<string> segments)
    {
        var path = new System.Text.StringBuilder("$");
        JsonElement? current = root;
        foreach (var segment in segments)
        {
            if (current is { ValueKind: JsonValueKind.Array } array && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var i))
            {
                path.Append(CultureInfo.InvariantCulture, $"[{i}]");
                current = i < array.GetArrayLength() ? array[i] : null;
                continue;
            }

            path.Append(IsIdentifier(segment) ? $".{segment}" : $"['{segment.Replace("'", "\\'", StringComparison.Ordinal)}']");
            current = current is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty(segment, out var child) ? child : null;
        }

        return path.ToString();
    }

    private static bool IsIdentifier(string segment) =>
        segment.Length > 0 && (char.IsAsciiLetter(segment[0]) || segment[0] == '_') && segment.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
