using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Ingest;

namespace CrsMonitor.Service.Monitoring.Protocols;

/// <summary>A protocol as loaded: the parsed protocol, the file it came from, its bytes as published and their SHA-256.</summary>
public sealed record ProtocolFile(Protocol Protocol, string Path, ReadOnlyMemory<byte> Json, string Sha256);

/// <summary>
/// Loads every <c>*.json</c> protocol file of a folder (the schema file aside) and checks each against
/// <c>protocol.schema.json</c>, then against <see cref="ProtocolRules"/> and the drug map, then all of them together
/// (one id per file name; one version and one effective date per drug and jurisdiction). Every problem of every file
/// is collected and thrown as one <see cref="StartupConfigurationException"/>, one line per problem naming the file,
/// the JSON path of the field and the problem, which stops the service.
/// </summary>
public static class ProtocolLoader
{
    public const string SchemaFileName = "protocol.schema.json";

    /// <summary>How many problem lines the message shows at most (the first ones, file by file).</summary>
    public const int MaxProblemsShown = 40;

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 32, AllowDuplicateProperties = false };

    private static readonly JsonSerializerOptions ModelOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false) },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
    };

    /// <summary>The shipped protocols: <c>schemas/protocols</c> beside the service binary.</summary>
    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "schemas", "protocols");

    /// <summary>The shipped schema (always this one, wherever the protocol files are read from).</summary>
    public static string DefaultSchemaPath => Path.Combine(DefaultDirectory, SchemaFileName);

    public static IReadOnlyList<ProtocolFile> Load(string directory, IngestData drugs, string? schemaPath = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(drugs);
        var schema = ProtocolSchema.Load(schemaPath ?? DefaultSchemaPath);
        var full = Path.GetFullPath(directory);
        if (!Directory.Exists(full))
        {
            throw new StartupConfigurationException($"Protocol folder {full} does not exist (setting {ProtocolSettings.SectionName}:{nameof(ProtocolSettings.Directory)}).");
        }

        var paths = Directory.GetFiles(full, "*.json")
            .Where(p => !string.Equals(Path.GetFileName(p), SchemaFileName, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (paths.Count == 0)
        {
            throw new StartupConfigurationException($"Protocol folder {full} has no protocol files (*.json); the service needs at least one.");
        }

        var problems = new List<string>();
        var loaded = new List<ProtocolFile>();
        foreach (var path in paths)
        {
            var (file, fileProblems) = LoadFile(path, schema, drugs);
            problems.AddRange(fileProblems.Select(p => Line(path, p.Path, p.Problem)));
            if (file is not null)
            {
                loaded.Add(file);
            }
        }

        problems.AddRange(CrossFileProblems(loaded));
        if (problems.Count > 0)
        {
            var shown = problems.Take(MaxProblemsShown).ToList();
            var more = problems.Count > shown.Count ? $"{Environment.NewLine}  ... and {problems.Count - shown.Count} more" : string.Empty;
            throw new StartupConfigurationException(problems.Count == 1
                ? problems[0]
                : $"{problems.Count} problems in the protocol files:{Environment.NewLine}  {string.Join($"{Environment.NewLine}  ", shown)}{more}");
        }

        return loaded;
    }

    private static (ProtocolFile? File, IReadOnlyList<(string Path, string Problem)> Problems) LoadFile(string path, ProtocolSchema schema, IngestData drugs)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, [("$", $"cannot be read: {e.Message}")]);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, DocumentOptions);
        }
        catch (JsonException e)
        {
            return (null, [("$", $"is not valid JSON: {e.Message}")]);
        }

        using (document)
        {
            var schemaProblems = schema.Check(document.RootElement);
            if (schemaProblems.Count > 0)
            {
                return (null, schemaProblems);
            }
        }

        Protocol protocol;
        try
        {
            var json = JsonNode.Parse(bytes)!.AsObject();
            json.Remove("$schema");
            protocol = json.Deserialize<Protocol>(ModelOptions)!;
        }
        catch (JsonException e)
        {
            // The schema and the model disagree: a bug of ours, reported like any other problem.
            return (null, [(e.Path ?? "$", $"cannot be read into the protocol model: {e.Message}")]);
        }

        var problems = ProtocolRules.Check(protocol, drugs).ToList();
        var expectedName = $"{protocol.Id}.json";
        if (!string.Equals(Path.GetFileName(path), expectedName, StringComparison.Ordinal))
        {
            problems.Insert(0, ("$.id", $"'{protocol.Id}' must be the file name without .json (rename the file to {expectedName}, or fix the id)"));
        }

        return problems.Count > 0 ? (null, problems) : (new ProtocolFile(protocol, path, bytes, Convert.ToHexStringLower(SHA256.HashData(bytes))), []);
    }

    private static IEnumerable<string> CrossFileProblems(IReadOnlyList<ProtocolFile> files)
    {
        var byVersion = new Dictionary<(string, string, string), ProtocolFile>();
        var byDate = new Dictionary<(string, string, DateOnly), ProtocolFile>();
        foreach (var file in files)
        {
            var p = file.Protocol;
            if (!byVersion.TryAdd((p.Drug.Key, p.Jurisdiction, p.Version), file))
            {
                yield return Line(file.Path, "$.version",
                    $"'{p.Version}' of {p.Drug.Key} ({p.Jurisdiction}) is also the version of {Path.GetFileName(byVersion[(p.Drug.Key, p.Jurisdiction, p.Version)].Path)}: a new version needs a new version string");
            }

            if (!byDate.TryAdd((p.Drug.Key, p.Jurisdiction, p.EffectiveFrom), file))
            {
                yield return Line(file.Path, "$.effectiveFrom",
                    $"{p.EffectiveFrom:yyyy-MM-dd} is also the effective date of {Path.GetFileName(byDate[(p.Drug.Key, p.Jurisdiction, p.EffectiveFrom)].Path)} for {p.Drug.Key} ({p.Jurisdiction}): which one applies would be ambiguous");
            }
        }
    }

    private static string Line(string file, string path, string problem) => $"Protocol file {file}: {path}: {problem}";
}
