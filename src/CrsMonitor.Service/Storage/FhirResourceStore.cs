using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Dapper;

namespace CrsMonitor.Service.Storage;

/// <summary>
/// Every accepted FHIR resource, kept verbatim with all its versions (<c>fhir_resource</c>,
/// <c>fhir_resource_version</c>), and the resend guard: an identifier (<c>fhir_identifier</c>) or, for readings
/// without one, the canonical content (<c>fhir_content</c>) belongs to one resource of a type. The primary keys of
/// those tables decide under races (32 identical creates in parallel: one Created, 31 Existing).
/// Instants are kept to the microsecond on every provider (PostgreSQL's precision).
/// </summary>
public static class FhirResourceStore
{
    /// <summary>Identifier system and value longer than this cannot be stored (SQL Server key size); ingest answers 422.</summary>
    public const int MaxIdentifierLength = 400;

    /// <summary>Types whose content hash guards against resends when they carry no identifier.</summary>
    public static readonly IReadOnlySet<string> ContentGuardedTypes =
        new HashSet<string>(StringComparer.Ordinal) { "Observation", "MedicationAdministration", "MedicationStatement", "QuestionnaireResponse" };

    private const string Savepoint = "crsmonitor_create";

    [Sql]
    private const string InsertResource = """
        INSERT INTO fhir_resource (resource_type, id, version_id, last_updated, patient_id, content_hash, body)
        VALUES (@ResourceType, @Id, @VersionId, @LastUpdated, @PatientId, @ContentHash, @Body)
        """;

    [Sql(StorageProvider.Sqlite, StorageProvider.Postgres)]
    private const string InsertResourceIfAbsent = """
        INSERT INTO fhir_resource (resource_type, id, version_id, last_updated, patient_id, content_hash, body)
        VALUES (@ResourceType, @Id, @VersionId, @LastUpdated, @PatientId, @ContentHash, @Body)
        ON CONFLICT (resource_type, id) DO NOTHING
        """;

    [Sql]
    private const string UpdateResource = """
        UPDATE fhir_resource
        SET version_id = @VersionId, last_updated = @LastUpdated, patient_id = @PatientId, content_hash = @ContentHash, body = @Body
        WHERE resource_type = @ResourceType AND id = @Id
        """;

    [Sql]
    private const string InsertVersion = """
        INSERT INTO fhir_resource_version (resource_type, id, version_id, last_updated, body)
        VALUES (@ResourceType, @Id, @VersionId, @LastUpdated, @Body)
        """;

    [Sql]
    private const string InsertIdentifier = """
        INSERT INTO fhir_identifier (resource_type, system, value, resource_id)
        VALUES (@ResourceType, @System, @Value, @ResourceId)
        """;

    [Sql(StorageProvider.Sqlite, StorageProvider.Postgres)]
    private const string InsertIdentifierIfAbsent = """
        INSERT INTO fhir_identifier (resource_type, system, value, resource_id)
        VALUES (@ResourceType, @System, @Value, @ResourceId)
        ON CONFLICT (resource_type, system, value) DO NOTHING
        """;

    [Sql]
    private const string InsertContent = """
        INSERT INTO fhir_content (resource_type, content_hash, resource_id)
        VALUES (@ResourceType, @ContentHash, @ResourceId)
        """;

    [Sql(StorageProvider.Sqlite, StorageProvider.Postgres)]
    private const string InsertContentIfAbsent = """
        INSERT INTO fhir_content (resource_type, content_hash, resource_id)
        VALUES (@ResourceType, @ContentHash, @ResourceId)
        ON CONFLICT (resource_type, content_hash) DO NOTHING
        """;

    // A create whose claim was taken removes the two rows it had just written (its id is new: nothing else refers to them).
    [Sql(StorageProvider.Sqlite, StorageProvider.Postgres)]
    private const string DeleteNewVersion = "DELETE FROM fhir_resource_version WHERE resource_type = @ResourceType AND id = @Id";

    [Sql(StorageProvider.Sqlite, StorageProvider.Postgres)]
    private const string DeleteNewResource = "DELETE FROM fhir_resource WHERE resource_type = @ResourceType AND id = @Id";

    // A create as one command (statements joined by ';', by which the writer counts them): the resource, its first version,
    // and its one claim last, which the primary key may refuse (a resend, or a race lost to another writer).
    private const string CreateUnclaimed = InsertResource + ";\n" + InsertVersion;
    private const string CreateClaimingIdentifier = CreateUnclaimed + ";\n" + InsertIdentifierIfAbsent;
    private const string CreateClaimingContent = CreateUnclaimed + ";\n" + InsertContentIfAbsent;
    private const string DeleteUnclaimed = DeleteNewVersion + ";\n" + DeleteNewResource;

    [Sql]
    private const string FindByIdentifier = """
        SELECT resource_id FROM fhir_identifier WHERE resource_type = @ResourceType AND system = @System AND value = @Value
        """;

    [Sql]
    private const string FindByContent = """
        SELECT resource_id FROM fhir_content WHERE resource_type = @ResourceType AND content_hash = @ContentHash
        """;

    [Sql]
    private const string Read = """
        SELECT resource_type AS ResourceType, id AS Id, version_id AS VersionId, last_updated AS LastUpdated,
               patient_id AS PatientId, content_hash AS ContentHash, body AS Body
        FROM fhir_resource WHERE resource_type = @ResourceType AND id = @Id
        """;

    // Read for update: the row lock makes concurrent PUTs of one id take turns (SQLite: BEGIN IMMEDIATE already does).
    [Sql(StorageProvider.Postgres)]
    private const string ReadForUpdatePostgres = """
        SELECT resource_type AS ResourceType, id AS Id, version_id AS VersionId, last_updated AS LastUpdated,
               patient_id AS PatientId, content_hash AS ContentHash, body AS Body
        FROM fhir_resource WHERE resource_type = @ResourceType AND id = @Id
        FOR UPDATE
        """;

    [Sql(StorageProvider.SqlServer)]
    private const string ReadForUpdateSqlServer = """
        SELECT resource_type AS ResourceType, id AS Id, version_id AS VersionId, last_updated AS LastUpdated,
               patient_id AS PatientId, content_hash AS ContentHash, body AS Body
        FROM fhir_resource WITH (UPDLOCK, HOLDLOCK) WHERE resource_type = @ResourceType AND id = @Id
        """;

    [Sql]
    private const string ReadVersion = """
        SELECT v.resource_type AS ResourceType, v.id AS Id, v.version_id AS VersionId, v.last_updated AS LastUpdated,
               r.patient_id AS PatientId, r.content_hash AS ContentHash, v.body AS Body
        FROM fhir_resource_version v
        JOIN fhir_resource r ON r.resource_type = v.resource_type AND r.id = v.id
        WHERE v.resource_type = @ResourceType AND v.id = @Id AND v.version_id = @VersionId
        """;

    [Sql]
    private const string ListForPatient = """
        SELECT resource_type AS ResourceType, id AS Id, version_id AS VersionId, last_updated AS LastUpdated,
               patient_id AS PatientId, content_hash AS ContentHash, body AS Body
        FROM fhir_resource WHERE resource_type = @ResourceType AND patient_id = @PatientId
        """;

    [Sql]
    private const string Exists = "SELECT COUNT(*) FROM fhir_resource WHERE resource_type = @ResourceType AND id = @Id";

    /// <summary>
    /// POST create. If one of the identifiers (or, for <see cref="ContentGuardedTypes"/> without an identifier, the
    /// content hash) already belongs to a resource of this type: <see cref="SaveKind.Existing"/> with that resource,
    /// nothing left written. Otherwise version 1 is stored with its identifier and content claims. The claim is an insert
    /// that the primary key may refuse (never search-then-insert alone).
    /// <para>
    /// With at most one claim (a reading with one identifier, or guarded by its content; on SQLite and PostgreSQL) the
    /// resource, its version and the claim are one command, and a refused claim removes the two rows again: one round
    /// trip for a new resource instead of six (look-up, savepoint, three inserts, release). Otherwise the holder is looked
    /// up first and the claims are made in a savepoint that a lost race rolls back.
    /// </para>
    /// </summary>
    public static async Task<SaveResult> CreateAsync(DbConnection c, DbTransaction tx, ResourceToStore r, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(tx);
        Check(r);
        var at = Instants.Stored(now);
        var body = StoredText.Clean(r.Body(1, at))!;
        return Dialect.Of(c) != StorageProvider.SqlServer && OneCommand(r) is { } text
            ? await CreateInOneCommandAsync(c, tx, r, text, at, body, ct).ConfigureAwait(false)
            : await CreateClaimByClaimAsync(c, tx, r, at, body, ct).ConfigureAwait(false);
    }

    /// <summary>The one command that creates <paramref name="r"/> with its claim, or null when it has more than one claim.</summary>
    private static string? OneCommand(ResourceToStore r) => (r.Identifiers.Distinct().Count(), GuardsContent(r)) switch
    {
        (0, false) => CreateUnclaimed,
        (0, true) => CreateClaimingContent,
        (1, false) => CreateClaimingIdentifier,
        _ => null,
    };

    private static async Task<SaveResult> CreateInOneCommandAsync(
        DbConnection c, DbTransaction tx, ResourceToStore r, string text, DateTimeOffset at, string body, CancellationToken ct)
    {
        var (system, value) = r.Identifiers.Count > 0 ? r.Identifiers[0] : default;
        var args = new { r.ResourceType, r.Id, VersionId = 1, LastUpdated = at, r.PatientId, r.ContentHash, Body = body, System = system, Value = value, ResourceId = r.Id };
        var expected = text == CreateUnclaimed ? 2 : 3;
        if (await c.ExecuteAsync(Dialect.Command(c, tx, text, args, ct)).ConfigureAwait(false) == expected)
        {
            return new SaveResult(SaveKind.Created, r.Id, 1, at, body);
        }

        await c.ExecuteAsync(Dialect.Command(c, tx, DeleteUnclaimed, new { r.ResourceType, r.Id }, ct)).ConfigureAwait(false);
        var holder = await HolderAsync(c, tx, r, ct).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"A claim of {r.ResourceType} was refused but no holder was found");
        return await ExistingAsync(c, tx, r.ResourceType, holder, ct).ConfigureAwait(false);
    }

    private static async Task<SaveResult> CreateClaimByClaimAsync(
        DbConnection c, DbTransaction tx, ResourceToStore r, DateTimeOffset at, string body, CancellationToken ct)
    {
        if (await HolderAsync(c, tx, r, ct).ConfigureAwait(false) is { } holder)
        {
            return await ExistingAsync(c, tx, r.ResourceType, holder, ct).ConfigureAwait(false);
        }

        await tx.SaveAsync(Savepoint, ct).ConfigureAwait(false);
        var row = Row(r, 1, at, body);
        await c.ExecuteAsync(Dialect.Command(c, tx, InsertResource, row, ct)).ConfigureAwait(false);
        await c.ExecuteAsync(Dialect.Command(c, tx, InsertVersion, row, ct)).ConfigureAwait(false);
        if (!await ClaimAllAsync(c, tx, r, ct).ConfigureAwait(false))
        {
            await tx.RollbackAsync(Savepoint, ct).ConfigureAwait(false);
            holder = await HolderAsync(c, tx, r, ct).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"A claim of {r.ResourceType} was refused but no holder was found");
            return await ExistingAsync(c, tx, r.ResourceType, holder, ct).ConfigureAwait(false);
        }

        await tx.ReleaseAsync(Savepoint, ct).ConfigureAwait(false);
        return new SaveResult(SaveKind.Created, r.Id, 1, at, body);
    }

    /// <summary>
    /// PUT update-or-create by id: no resource yet -> version 1 (<see cref="SaveKind.Created"/>); the content hash of the
    /// current version -> <see cref="SaveKind.Unchanged"/>; else a new version (<see cref="SaveKind.Updated"/>). New
    /// identifiers and content are claimed where still free (a claim held by another resource is left to it).
    /// With <paramref name="ifMatch"/> (the version the client last read), any other current version, or none, throws
    /// <see cref="StaleVersionException"/> and nothing is written.
    /// </summary>
    public static async Task<SaveResult> UpsertAsync(
        DbConnection c, DbTransaction tx, ResourceToStore r, DateTimeOffset now, CancellationToken ct, int? ifMatch = null)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(tx);
        Check(r);
        var at = Instants.Stored(now);
        var readForUpdate = Dialect.Of(c) switch
        {
            StorageProvider.Postgres => ReadForUpdatePostgres,
            StorageProvider.SqlServer => ReadForUpdateSqlServer,
            _ => Read,
        };

        // Two rounds at most: a concurrent PUT may create the same id between our read and our insert.
        for (var round = 0; round < 2; round++)
        {
            var current = await c.QuerySingleOrDefaultAsync<ResourceRow>(
                Dialect.Command(c, tx, readForUpdate, new { r.ResourceType, r.Id }, ct)).ConfigureAwait(false);
            if (ifMatch is { } expected && current?.VersionId != expected)
            {
                throw new StaleVersionException(r.ResourceType, r.Id, expected, current?.VersionId);
            }

            if (current is null)
            {
                var body = StoredText.Clean(r.Body(1, at))!;
                var row = Row(r, 1, at, body);
                if (!await Dialect.TryInsertAsync(c, tx, InsertResourceIfAbsent, InsertResource, row, ct).ConfigureAwait(false))
                {
                    continue;
                }

                await c.ExecuteAsync(Dialect.Command(c, tx, InsertVersion, row, ct)).ConfigureAwait(false);
                await ClaimAllAsync(c, tx, r, ct).ConfigureAwait(false);
                return new SaveResult(SaveKind.Created, r.Id, 1, at, body);
            }

            if (current.ContentHash == r.ContentHash)
            {
                return new SaveResult(SaveKind.Unchanged, current.Id, current.VersionId, current.LastUpdated, current.Body, current.PatientId);
            }

            var version = current.VersionId + 1;
            var newBody = StoredText.Clean(r.Body(version, at))!;
            var newRow = Row(r, version, at, newBody);
            await c.ExecuteAsync(Dialect.Command(c, tx, UpdateResource, newRow, ct)).ConfigureAwait(false);
            await c.ExecuteAsync(Dialect.Command(c, tx, InsertVersion, newRow, ct)).ConfigureAwait(false);
            await ClaimAllAsync(c, tx, r, ct).ConfigureAwait(false);
            return new SaveResult(SaveKind.Updated, r.Id, version, at, newBody, current.PatientId);
        }

        throw new InvalidOperationException($"{r.ResourceType}/{r.Id} could be neither inserted nor read");
    }

    /// <summary>The current version, or null. Inside <see cref="Database.InTransactionAsync{T}"/> it reads in that transaction.</summary>
    public static Task<StoredResource?> ReadAsync(DbConnection c, string resourceType, string id, CancellationToken ct) =>
        ReadAsync(c, null, resourceType, id, ct);

    /// <summary>The current version, or null, read in <paramref name="tx"/>.</summary>
    public static async Task<StoredResource?> ReadAsync(DbConnection c, DbTransaction? tx, string resourceType, string id, CancellationToken ct)
    {
        var row = await c.QuerySingleOrDefaultAsync<ResourceRow>(
            Dialect.Command(c, tx, Read, new { ResourceType = resourceType, Id = id }, ct)).ConfigureAwait(false);
        return row?.ToStored();
    }

    /// <summary>
    /// One version (vread), or null. <see cref="StoredResource.PatientId"/> is that of the current version, not of this
    /// one: authorization reads the version's own subject from its body.
    /// </summary>
    public static async Task<StoredResource?> ReadVersionAsync(DbConnection c, string resourceType, string id, int versionId, CancellationToken ct)
    {
        var row = await c.QuerySingleOrDefaultAsync<ResourceRow>(
            Dialect.Command(c, null, ReadVersion, new { ResourceType = resourceType, Id = id, VersionId = versionId }, ct)).ConfigureAwait(false);
        return row?.ToStored();
    }

    public static async Task<bool> ExistsAsync(DbConnection c, DbTransaction? tx, string resourceType, string id, CancellationToken ct) =>
        await c.ExecuteScalarAsync<long>(Dialect.Command(c, tx, Exists, new { ResourceType = resourceType, Id = id }, ct)).ConfigureAwait(false) > 0;

    /// <summary>The id of the resource of this type holding the identifier (conditional create), or null.</summary>
    public static Task<string?> FindByIdentifierAsync(DbConnection c, DbTransaction? tx, string resourceType, string system, string value, CancellationToken ct) =>
        c.QuerySingleOrDefaultAsync<string?>(Dialect.Command(c, tx, FindByIdentifier, new { ResourceType = resourceType, System = system, Value = value }, ct));

    /// <summary>The current version of every resource of this type about the patient (search reads these).</summary>
    public static async Task<IReadOnlyList<StoredResource>> ListForPatientAsync(DbConnection c, string resourceType, string patientId, CancellationToken ct)
    {
        var rows = await c.QueryAsync<ResourceRow>(
            Dialect.Command(c, null, ListForPatient, new { ResourceType = resourceType, PatientId = patientId }, ct)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToStored())];
    }

    /// <summary>
    /// The id of the stored resource of this type a resource with these identifiers (or, for <see cref="ContentGuardedTypes"/> without one,
    /// this content hash) would be a resend of, or null. Outside a transaction (<paramref name="tx"/> null) it is a
    /// guess that the write confirms.
    /// </summary>
    public static async Task<string?> FindHolderAsync(
        DbConnection c, DbTransaction? tx, string resourceType, IReadOnlyList<(string System, string Value)> identifiers, string? contentHash, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(identifiers);
        foreach (var (system, value) in identifiers)
        {
            if (await FindByIdentifierAsync(c, tx, resourceType, system, value, ct).ConfigureAwait(false) is { } id)
            {
                return id;
            }
        }

        return GuardsContent(resourceType, identifiers) && contentHash is not null
            ? await c.QuerySingleOrDefaultAsync<string?>(
                Dialect.Command(c, tx, FindByContent, new { ResourceType = resourceType, ContentHash = contentHash }, ct)).ConfigureAwait(false)
            : null;
    }

    /// <summary>Whether the content hash guards against resends: readings (<see cref="ContentGuardedTypes"/>) without an identifier.</summary>
    public static bool GuardsContent(string resourceType, IReadOnlyCollection<(string System, string Value)> identifiers) =>
        identifiers.Count == 0 && ContentGuardedTypes.Contains(resourceType);

    private static Task<string?> HolderAsync(DbConnection c, DbTransaction tx, ResourceToStore r, CancellationToken ct) =>
        FindHolderAsync(c, tx, r.ResourceType, r.Identifiers, r.ContentHash, ct);

    /// <summary>Claims every identifier and (without identifiers, for guarded types) the content; false if any was taken.</summary>
    private static async Task<bool> ClaimAllAsync(DbConnection c, DbTransaction tx, ResourceToStore r, CancellationToken ct)
    {
        var all = true;
        foreach (var (system, value) in r.Identifiers.Distinct())
        {
            all &= await Dialect.TryInsertAsync(c, tx, InsertIdentifierIfAbsent, InsertIdentifier,
                new { r.ResourceType, System = system, Value = value, ResourceId = r.Id }, ct).ConfigureAwait(false);
        }

        if (GuardsContent(r))
        {
            all &= await Dialect.TryInsertAsync(c, tx, InsertContentIfAbsent, InsertContent,
                new { r.ResourceType, r.ContentHash, ResourceId = r.Id }, ct).ConfigureAwait(false);
        }

        return all;
    }

    private static async Task<SaveResult> ExistingAsync(DbConnection c, DbTransaction tx, string resourceType, string id, CancellationToken ct)
    {
        var stored = await ReadAsync(c, tx, resourceType, id, ct).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"{resourceType}/{id} holds a claim but is not stored");
        return new SaveResult(SaveKind.Existing, stored.Id, stored.VersionId, stored.LastUpdated, stored.Body, stored.PatientId);
    }

    private static bool GuardsContent(ResourceToStore r) => GuardsContent(r.ResourceType, r.Identifiers);

    private static void Check(ResourceToStore r)
    {
        ArgumentNullException.ThrowIfNull(r);
        if (r.Identifiers.Any(i => i.System is null || i.Value is null || i.System.Length > MaxIdentifierLength || i.Value.Length > MaxIdentifierLength))
        {
            throw new ArgumentException($"Identifier system and value must be set and at most {MaxIdentifierLength} characters", nameof(r));
        }
    }

    private static object Row(ResourceToStore r, int version, DateTimeOffset at, string body) => new
    {
        r.ResourceType,
        r.Id,
        VersionId = version,
        LastUpdated = at,
        r.PatientId,
        r.ContentHash,
        Body = body,
    };

    [SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
    private sealed class ResourceRow
    {
        public string ResourceType { get; init; } = "";
        public string Id { get; init; } = "";
        public int VersionId { get; init; }
        public DateTimeOffset LastUpdated { get; init; }
        public string? PatientId { get; init; }
        public string ContentHash { get; init; } = "";
        public string Body { get; init; } = "";

        public StoredResource ToStored() => new(ResourceType, Id, VersionId, LastUpdated, PatientId, Body, ContentHash);
    }
}
