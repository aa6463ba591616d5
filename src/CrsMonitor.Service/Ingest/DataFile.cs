using System.Globalization;
using System.Text.Json;
using CrsMonitor.Service.Hosting;

namespace CrsMonitor.Service.Ingest;

/// <summary>
/// Strict reading of one of our JSON data files: every problem is a <see cref="StartupConfigurationException"/>
/// naming the file, the element and what is wrong, so a broken data file stops the service with a clear message.
/// </summary>
internal sealed class DataFile
{
    private readonly string label;

    private DataFile(string path, byte[] bytes, string label)
    {
        Path = path;
        Bytes = bytes;
        this.label = label;
    }

    public string Path { get; }

    public byte[] Bytes { get; }

    /// <summary>Reads <paramref name="name"/> in <paramref name="directory"/>; <paramref name="label"/> says what it is in messages ("FHIR data file", "HL7 v2 data file").</summary>
    public static DataFile Read(string directory, string name, string label = "FHIR data file")
    {
        var path = System.IO.Path.Combine(directory, name);
        try
        {
            return new DataFile(path, File.ReadAllBytes(path), label);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupConfigurationException($"{label} {path} cannot be read: {e.Message}", e);
        }
    }

    public StartupConfigurationException Problem(string element, string problem) =>
        new($"{label} {Path}: {(element.Length == 0 ? string.Empty : element + " ")}{problem}");

    /// <summary>The file as a JSON document (comments and trailing commas refused, like any JSON we accept).</summary>
    public JsonDocument Json()
    {
        try
        {
            return JsonDocument.Parse(Bytes, new JsonDocumentOptions { MaxDepth = FhirJson.MaxDepth });
        }
        catch (JsonException e)
        {
            throw Problem(string.Empty, $"is not valid JSON: {e.Message}");
        }
    }

    public JsonElement Property(JsonElement obj, string path, string name, JsonValueKind kind)
    {
        if (obj.ValueKind != JsonValueKind.Object)
        {
            throw Problem(path, "must be a JSON object");
        }

        if (!obj.TryGetProperty(name, out var value))
        {
            throw Problem(Join(path, name), "is missing");
        }

        if (value.ValueKind != kind && !(kind == JsonValueKind.True && value.ValueKind == JsonValueKind.False))
        {
            throw Problem(Join(path, name), $"must be {Describe(kind)}");
        }

        return value;
    }

    public JsonElement? Optional(JsonElement obj, string path, string name, JsonValueKind kind) =>
        obj.TryGetProperty(name, out _) ? Property(obj, path, name, kind) : null;

    public string String(JsonElement obj, string path, string name)
    {
        var text = Property(obj, path, name, JsonValueKind.String).GetString();
        return string.IsNullOrWhiteSpace(text) ? throw Problem(Join(path, name), "must not be empty") : text;
    }

    public decimal Decimal(JsonElement obj, string path, string name) =>
        Property(obj, path, name, JsonValueKind.Number).TryGetDecimal(out var d) ? d : throw Problem(Join(path, name), "is not a decimal number");

    public decimal? OptionalDecimal(JsonElement obj, string path, string name) =>
        obj.TryGetProperty(name, out _) ? Decimal(obj, path, name) : null;

    public bool OptionalBool(JsonElement obj, string path, string name) =>
        Optional(obj, path, name, JsonValueKind.True)?.GetBoolean() ?? false;

    public IEnumerable<(JsonElement Item, string Path)> Array(JsonElement obj, string path, string name)
    {
        var array = Property(obj, path, name, JsonValueKind.Array);
        if (array.GetArrayLength() == 0)
        {
            throw Problem(Join(path, name), "must not be empty");
        }

        return array.EnumerateArray().Select((item, i) => (item, string.Create(CultureInfo.InvariantCulture, $"{Join(path, name)}[{i}]")));
    }

    public IReadOnlyList<string> Strings(JsonElement obj, string path, string name) =>
        [.. Array(obj, path, name).Select(i => i.Item.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(i.Item.GetString())
            ? i.Item.GetString()!
            : throw Problem(i.Path, "must be a non-empty string"))];

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "a JSON object",
        JsonValueKind.Array => "a JSON array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "true or false",
        _ => kind.ToString(),
    };
}
