using System.Text.Json;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Ingest;
using CrsMonitor.Service.Monitoring.Protocols;

namespace CrsMonitor.Service.Tests.Monitoring.Protocols;

/// <summary>A temporary copy of the shipped protocol files (without the schema, which is always the shipped one), to break and load.</summary>
public sealed class ProtocolFolder : IDisposable
{
    public const string Tarlatamab = "tarlatamab-us-2025-11";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private static readonly Lazy<IngestData> Drugs = new(() => IngestData.Load(IngestData.DefaultDirectory));

    private readonly TempDirectory directory = new();

    public ProtocolFolder()
    {
        foreach (var file in Directory.GetFiles(ProtocolLoader.DefaultDirectory, "*.json").Where(f => !f.EndsWith(ProtocolLoader.SchemaFileName, StringComparison.Ordinal)))
        {
            File.Copy(file, System.IO.Path.Combine(directory.Path, System.IO.Path.GetFileName(file)));
        }
    }

    public static IngestData DrugData => Drugs.Value;

    public string Path => directory.Path;

    public string FileOf(string id) => System.IO.Path.Combine(directory.Path, $"{id}.json");

    public IReadOnlyList<ProtocolFile> Load() => ProtocolLoader.Load(directory.Path, DrugData);

    public ProtocolCatalog Catalog(string jurisdiction = "US") => new(Load(), jurisdiction);

    public static JsonObject Read(string path) => JsonNode.Parse(File.ReadAllText(path))!.AsObject();

    /// <summary>Rewrites protocol <paramref name="id"/> after <paramref name="change"/>.</summary>
    public void Edit(string id, Action<JsonObject> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var json = Read(FileOf(id));
        change(json);
        File.WriteAllText(FileOf(id), json.ToJsonString(Indented));
    }

    /// <summary>Writes a copy of protocol <paramref name="fromId"/> as a new file named after its new id, after <paramref name="change"/>.</summary>
    public string AddVersion(string fromId, string newId, Action<JsonObject> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var json = Read(FileOf(fromId));
        json["id"] = newId;
        change(json);
        File.WriteAllText(FileOf(newId), json.ToJsonString(Indented));
        return FileOf(newId);
    }

    public void WriteText(string id, string text) => File.WriteAllText(FileOf(id), text);

    /// <summary>Loading must fail with a line that names the file, the JSON path and every word of the problem.</summary>
    public string Refused(string file, string jsonPath, params string[] words)
    {
        var e = Assert.Throws<StartupConfigurationException>(() => Load())!;
        var line = e.Message.Split('\n').FirstOrDefault(l => l.Contains($"Protocol file {file}: {jsonPath}: ", StringComparison.Ordinal));
        Assert.That(line, Is.Not.Null, $"no line names {file} and {jsonPath}:{Environment.NewLine}{e.Message}");
        foreach (var word in words)
        {
            Assert.That(line, Does.Contain(word), e.Message);
        }

        return e.Message;
    }

    public void Dispose() => directory.Dispose();
}
