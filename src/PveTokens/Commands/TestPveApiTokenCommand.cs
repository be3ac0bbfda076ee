// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text.RegularExpressions;
using PveTokens.Access;
using PveTokens.Client;
using PveTokens.Completion;
using PveTokens.Models;

namespace PveTokens.Commands;

/// <summary>
/// Tests an API token without connecting with it: whether it authenticates on a server (and if not,
/// why, as precisely as the server lets anyone tell) and, with -Privilege, whether it holds those
/// privileges on the paths given. The preflight for automation: nothing is left behind.
/// </summary>
/// <remarks>
/// Authentication is proven with `GET /version`, which every authenticated identity may call, so a
/// token with rights only on /vms/100 or /pool/x passes (a check of rights on / would fail it).
/// Privileges are read as the token itself, `GET /access/permissions?path=P` without userid, which
/// PVE always allows for the caller. The client made for the test is disposed at the end: no
/// session is registered. PVE 9.1.5 and later answer every token failure with the same
/// "Authentication failed!": then the reason is Unknown, unless a session to the same server
/// (-Session, or the default session) can read the token's and its user's settings, which tell
/// the reason in PVE's own check order.
/// </remarks>
[Cmdlet(VerbsDiagnostic.Test, "PveApiToken", DefaultParameterSetName = AuthenticateSet)]
[OutputType(typeof(PveApiTokenTestResult))]
[OutputType(typeof(bool))]
public sealed class TestPveApiTokenCommand : PveCmdletBase
{
    private const string AuthenticateSet = "Authenticate";
    private const string PrivilegeSet = "Privilege";
    private const string RequirementSet = "Requirement";
    private const string UnifiedFailure = "Authentication failed!";

    private static readonly (Regex Pattern, PveApiTokenTestReason Reason)[] FailureTexts =
    {
        (new Regex(@"^invalid token value!", RegexOptions.CultureInvariant), PveApiTokenTestReason.WrongSecret),
        (new Regex(@"^no such token '[^']*' for user '[^']*'", RegexOptions.CultureInvariant), PveApiTokenTestReason.UnknownToken),
        (new Regex(@"^token '[^']*' access expired", RegexOptions.CultureInvariant), PveApiTokenTestReason.TokenExpired),
        (new Regex(@"^user '[^']*' is disabled", RegexOptions.CultureInvariant), PveApiTokenTestReason.UserDisabled),
        (new Regex(@"^user '[^']*' access expired", RegexOptions.CultureInvariant), PveApiTokenTestReason.UserExpired),
        (new Regex(@"^no such user \('[^']*'\)", RegexOptions.CultureInvariant), PveApiTokenTestReason.UnknownUser),
    };

    /// <summary>Gets or sets the token: string, SecureString, PSCredential or a new token from New-/Reset-PveApiToken; PMPROXY_TOKEN when omitted.</summary>
    [Parameter(Position = 1, ValueFromPipeline = true)]
    [ValidateNotNull]
    public object? ApiToken { get; set; }

    /// <summary>Gets or sets the server; the session's server when omitted, else PMPROXY_HOST.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Server { get; set; }

    /// <summary>Gets or sets the SHA-256 fingerprint of the server certificate to trust.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CertificateThumbprint { get; set; }

    /// <summary>Gets or sets whether to accept any certificate.</summary>
    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    /// <summary>Gets or sets the time allowed for each call in seconds; 0 for no limit.</summary>
    [Parameter]
    [ValidateRange(0, 86400)]
    [MaskedConversion(typeof(int))]
    public int TimeoutSec { get; set; } = 60;

    /// <summary>
    /// Gets or sets the session whose server and TLS policy to use, and which may read the token's
    /// settings; the default session when omitted or null (as for every session cmdlet: a piped token
    /// whose Session is $null carries no session, and must not fail to bind). A piped session binds
    /// here when -ApiToken is given on the command line (<c>Get-PveSession | Test-PveApiToken -ApiToken $t</c>).
    /// </summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [MaskedConversion(typeof(PveSession))]
    public PveSession? Session { get; set; }

    /// <summary>Gets or sets the privileges the token must hold.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PrivilegeSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PrivilegeCompleter))]
    public string[] Privilege { get; set; } = Array.Empty<string>();

    /// <summary>Gets or sets the ACL paths the privileges must hold on (/ when omitted).</summary>
    [Parameter(ParameterSetName = PrivilegeSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AclPathCompleter))]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>
    /// Gets or sets privileges per path: hashtables of path = privilege(s), or objects with Path and
    /// Privilege properties (for example from Import-Csv, or the Missing list of an earlier result).
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = RequirementSet)]
    [ValidateNotNullOrEmpty]
    public object[] Requirement { get; set; } = Array.Empty<object>();

    /// <summary>Gets or sets whether to return only True or False.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    private IReadOnlyList<PrivilegeRequirement> _requirements = Array.Empty<PrivilegeRequirement>();

    protected override void Begin()
    {
        if (PrivilegeArguments.CheckSyntax(Privilege, allowWildcards: false) is ErrorRecord invalidPrivilege)
        {
            ThrowTerminatingError(invalidPrivilege);
        }

        foreach (string path in Path)
        {
            if (AclPath.NormalizeAndValidate(path, out string? error) is null)
            {
                ThrowTerminatingError(ErrorMapper.InvalidArgument("InvalidAclPath", error!, path,
                    "Check the path against the ACL roots PVE knows (tab completion on -Path offers them)."));
            }
        }

        string? invalid = null;
        if (ParameterSetName == RequirementSet)
        {
            List<(string?, string?)>? pairs = RequirementPairs(out invalid);
            _requirements = pairs is null ? Array.Empty<PrivilegeRequirement>() : PrivilegeRequirements.FromPairs(pairs, out invalid) ?? _requirements;
        }
        else if (Privilege.Length > 0)
        {
            _requirements = PrivilegeRequirements.FromProduct(Path, Privilege, out invalid) ?? _requirements;
        }

        if (invalid is not null)
        {
            ThrowTerminatingError(ErrorMapper.InvalidArgument("InvalidRequirement", invalid, null,
                "Name each privilege on its path, e.g. -Requirement @{ '/vms/100' = 'VM.PowerMgmt'; '/storage/backup' = 'Datastore.AllocateSpace', 'Datastore.Audit' }."));
        }

        if (PrivilegeArguments.CheckSyntax(RequiredPrivileges(), allowWildcards: false) is ErrorRecord invalidRequired)
        {
            ThrowTerminatingError(invalidRequired);
        }
    }

    /// <summary>Every privilege the requirements name, once each, in the caller's spelling.</summary>
    private string[] RequiredPrivileges() =>
        _requirements.Select(r => r.Privilege).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();

    /// <summary>The (path, privilege) pairs of -Requirement, unwrapped from hashtables and objects; null and a message for anything else.</summary>
    private List<(string?, string?)>? RequirementPairs(out string? error)
    {
        error = null;
        var pairs = new List<(string?, string?)>();
        foreach (object? item in Flatten(Requirement))
        {
            object? value = item is PSObject wrapped ? wrapped.BaseObject : item;
            if (value is IDictionary dictionary)
            {
                foreach (DictionaryEntry entry in dictionary)
                {
                    pairs.AddRange(Names(entry.Value).Select(privilege => (Text(entry.Key), privilege)));
                }

                continue;
            }

            PSObject properties = PSObject.AsPSObject(item);
            if (value is not string && properties.Properties["Path"] is PSPropertyInfo path && properties.Properties["Privilege"] is PSPropertyInfo privilege)
            {
                pairs.AddRange(Names(privilege.Value).Select(name => (Text(path.Value), name)));
                continue;
            }

            error = $"-Requirement got {(value is null ? "$null" : "a " + value.GetType().Name)}: expected a hashtable of path = privilege(s), or an object with Path and Privilege properties.";
            return null;
        }

        return pairs;
    }

    /// <summary>The items of -Requirement, with arrays inside it (`$fromCsv, @{ … }`) taken apart.</summary>
    private static IEnumerable<object?> Flatten(IEnumerable items)
    {
        foreach (object? item in items)
        {
            if ((item is PSObject wrapped ? wrapped.BaseObject : item) is IEnumerable inner and not string and not IDictionary)
            {
                foreach (object? nested in Flatten(inner))
                {
                    yield return nested;
                }

                continue;
            }

            yield return item;
        }
    }

    private static IEnumerable<string?> Names(object? value) =>
        (value is PSObject wrapped ? wrapped.BaseObject : value) is IEnumerable list and not string
            ? list.Cast<object?>().Select(Text)
            : new[] { Text(value) };

    private static string? Text(object? value) => value is null ? null : LanguagePrimitives.ConvertTo<string>(value);

    protected override void Process()
    {
        // Without -ApiToken on the command line a piped session binds to -ApiToken (it takes any
        // object): it is meant as the session, and the token comes from PMPROXY_TOKEN. Kept in locals,
        // so the next record binds afresh.
        object? tokenArgument = ApiToken;
        PveSession? session = Session;
        if ((tokenArgument is PSObject wrapped ? wrapped.BaseObject : tokenArgument) is PveSession piped)
        {
            session = piped;
            tokenArgument = null;
        }

        PveSession? known = session ?? SessionRegistry.Current.Default;
        if (known is not null && !known.IsOpen)
        {
            known = null;
        }

        PveClientOptions options = ResolveOptions(known);
        ApiToken token = PveConnectionArguments.ResolveApiToken(this, tokenArgument, "-ApiToken");
        var result = new PveApiTokenTestResult(options.Server.Authority, token.UserId, token.TokenName);

        // A session to the same server (not this very token) knows the version and may read the token's settings.
        PveSession? sameServer = known is not null && SameServer(known.Server, options.Server) &&
            !string.Equals(known.Identity, token.FullTokenId, StringComparison.Ordinal) ? known : null;

        // The client owns the token from here and disposes it (and its connections) at the end: nothing is left behind.
        using var client = new PveClient(options);
        client.UseApiToken(token);
        try
        {
            PveVersionInfo version = Run(ct => client.GetVersionAsync(ct));
            result.Authenticated = true;
            result.Reason = PveApiTokenTestReason.Authenticated;
            result.ServerVersion = version.Version;
            result.Message = $"The token {token.FullTokenId} authenticates on {result.Server}.";
        }
        catch (PveApiException e) when (e.StatusCode == 401)
        {
            result.ServerVersion = sameServer?.Version;
            Explain(result, e, sameServer);
            if (token.SecretHasUpperCase && result.Reason is PveApiTokenTestReason.WrongSecret or PveApiTokenTestReason.Unknown)
            {
                result.Message += " " + ApiTokenString.UpperCaseHint;
            }
        }
        catch (Exception e) when (ErrorMapper.Handles(e))
        {
            PveConnectionArguments.WarnIfSkipping(this, client, SkipCertificateCheck);
            WriteError(ErrorMapper.Map(e, token.FullTokenId, PveAuthMethod.ApiToken, token.FullTokenId));
            if (Quiet)
            {
                WriteObject(false);
            }

            return;
        }

        PveConnectionArguments.WarnIfSkipping(this, client, SkipCertificateCheck);
        bool checkedAll = true;
        if (result.Authenticated && _requirements.Count > 0)
        {
            // A privilege the server does not know would be reported missing, inviting a grant nobody can make.
            if (PrivilegeArguments.Resolve(this, client, result.Server, RequiredPrivileges(), allowWildcards: false) is null)
            {
                if (Quiet)
                {
                    WriteObject(false);
                }

                return;
            }

            checkedAll = CheckPrivileges(client, result);
            // -Quiet outputs $true/$false only: no reads for a message nobody sees.
            if (result.Missing.Length > 0 && !Quiet)
            {
                result.Message += " " + WhyMissing(result, sameServer);
            }
        }

        result.Passed = result.Authenticated && checkedAll && result.Missing.Length == 0;
        WriteObject(Quiet ? result.Passed : result);
    }

    /// <summary>
    /// -Server (with the TLS options given, else the TLS policy of a session to that server), else
    /// the session's server and TLS policy, else PMPROXY_HOST.
    /// </summary>
    private PveClientOptions ResolveOptions(PveSession? known)
    {
        bool tlsGiven = SkipCertificateCheck.IsPresent || CertificateThumbprint is not null;
        Uri server = Server is null && known is not null ? known.Server : PveConnectionArguments.ResolveServer(this, Server);
        PveClientOptions options = PveConnectionArguments.BuildOptions(this, server, CertificateThumbprint, SkipCertificateCheck, TimeoutSec);
        if (!tlsGiven && known is not null && SameServer(known.Server, server))
        {
            options.CertificatePolicy = known.CertificatePolicy;
            options.PinnedCertificateSha256 = known.CertificateThumbprint;
        }

        return options;
    }

    private void Explain(PveApiTokenTestResult result, PveApiException e, PveSession? sameServer)
    {
        string said = e.PveMessage.Trim();
        foreach ((Regex pattern, PveApiTokenTestReason reason) in FailureTexts)
        {
            if (pattern.IsMatch(said))
            {
                result.Reason = reason;
                result.ReasonSource = PveApiTokenTestReasonSource.Server;
                result.Message = $"{Describe(reason, result)}. PVE: 401 {said}";
                return;
            }
        }

        result.Reason = PveApiTokenTestReason.Unknown;
        string unknown = string.Equals(said, UnifiedFailure, StringComparison.Ordinal)
            ? $"unknown (server does not say): PVE answered 401 {said}, as pve-manager 9.1.5 and later do for every token failure (unknown user or token, disabled or expired user, expired token, wrong secret)"
            : $"unknown: PVE answered 401 {said}";
        if (sameServer is null)
        {
            result.Message = $"The token {result.FullTokenId} does not authenticate; the reason is {unknown}. Connect a session that may read the token's settings to this server (Connect-PveServer) and test again to learn why.";
            return;
        }

        if (Refine(result, sameServer, out string? why))
        {
            result.ReasonSource = PveApiTokenTestReasonSource.SessionMetadata;
            result.Message = $"{Describe(result.Reason, result)}. PVE only said 401 {said}; the reason comes from the token's settings as {sameServer.Identity} sees them.";
            return;
        }

        result.Message = $"The token {result.FullTokenId} does not authenticate; the reason is {unknown}. The session {sameServer.Identity} could not tell either: {why}.";
    }

    /// <summary>
    /// The reason, from the users index as <paramref name="session"/> sees it, in PVE's own check
    /// order (user exists, enabled, not expired; token exists, not expired; else the secret).
    /// </summary>
    private bool Refine(PveApiTokenTestResult result, PveSession session, out string? why)
    {
        why = null;
        PveUserFields? user;
        try
        {
            user = Run(ct => session.Client.GetUsersAsync(ct)).FirstOrDefault(u => string.Equals(u.UserId, result.UserId, StringComparison.Ordinal));
        }
        catch (Exception e) when (ErrorMapper.Handles(e))
        {
            why = e.Message;
            return false;
        }

        long now = PveEpoch.Now;
        PveTokenFields? token = user?.Tokens.FirstOrDefault(t => string.Equals(t.TokenId, result.TokenId, StringComparison.Ordinal));
        result.Reason =
            user is null ? PveApiTokenTestReason.UnknownUser
            : !user.Enabled ? PveApiTokenTestReason.UserDisabled
            : PveEpoch.IsExpired(user.Expire, now) ? PveApiTokenTestReason.UserExpired
            : token is null ? PveApiTokenTestReason.UnknownToken
            : PveEpoch.IsExpired(token.Expire ?? 0, now) ? PveApiTokenTestReason.TokenExpired
            : PveApiTokenTestReason.WrongSecret;
        return true;
    }

    private static string Describe(PveApiTokenTestReason reason, PveApiTokenTestResult r) => reason switch
    {
        PveApiTokenTestReason.UnknownUser => $"The token {r.FullTokenId} does not authenticate: there is no user {r.UserId} (or it is not among the users the session can see)",
        PveApiTokenTestReason.UserDisabled => $"The token {r.FullTokenId} does not authenticate: its user {r.UserId} is disabled",
        PveApiTokenTestReason.UserExpired => $"The token {r.FullTokenId} does not authenticate: its user {r.UserId} has expired",
        PveApiTokenTestReason.UnknownToken => $"The token {r.FullTokenId} does not authenticate: {r.UserId} has no token '{r.TokenId}'",
        PveApiTokenTestReason.TokenExpired => $"The token {r.FullTokenId} does not authenticate: it has expired; Update-PveApiToken can give it a later expiry",
        PveApiTokenTestReason.WrongSecret => $"The token {r.FullTokenId} does not authenticate: the secret is wrong; Reset-PveApiToken issues a new one",
        _ => $"The token {r.FullTokenId} does not authenticate",
    };

    /// <summary>
    /// How many privileges are missing and, read through a session to the same server that sees the
    /// whole ACL, whether the token or its user lacks each and what to grant (PVE only tells the token
    /// what it holds, not why).
    /// </summary>
    private string WhyMissing(PveApiTokenTestResult result, PveSession? sameServer)
    {
        int missing = result.Missing.Length, asked = result.Privileges.Count;
        string count = (asked == 1 ? "It lacks the privilege asked about" : missing == asked ? $"It lacks all {asked} privileges asked about" : $"It lacks {missing} of the {asked} privileges asked about")
            + " (Missing names each path and privilege).";
        if (sameServer is null)
        {
            return $"{count} {TokenShortfall.Rule} Connect a session with Sys.Audit on /access to this server (Connect-PveServer) and test again to learn which one lacks it.";
        }

        PermissionEvaluator evaluator;
        try
        {
            evaluator = new PermissionEvaluator(Run(ct => sameServer.Client.GetPermissionSnapshotAsync(PveEpoch.Now, ct)));
        }
        catch (Exception e) when (ErrorMapper.Handles(e))
        {
            return $"{count} {TokenShortfall.Rule} The session {sameServer.Identity} could not read the ACL to tell which one lacks it: {InputEcho.Scrub(e.Message)}";
        }

        if (!ListingVisibility.SawEverything(evaluator, sameServer.Identity))
        {
            return $"{count} {TokenShortfall.Rule} The session {sameServer.Identity} lacks {ListingVisibility.AclListingNeed}, so it cannot tell which one lacks it.";
        }

        string? why = TokenShortfall.Explain(evaluator, result.FullTokenId, result.Missing.Select(m => (m.Path, m.Privilege)).ToList());
        return why is null ? $"{count} {TokenShortfall.Rule}" : $"{count} {why}";
    }

    /// <summary>Asks PVE, as the token itself, for its rights on each path required; false when a path could not be read.</summary>
    private bool CheckPrivileges(PveClient client, PveApiTokenTestResult result)
    {
        var checks = new List<PveApiTokenPrivilegeCheck>();
        bool all = true;
        foreach (IGrouping<string, PrivilegeRequirement> path in _requirements.GroupBy(r => r.Path, StringComparer.Ordinal))
        {
            PermissionMap map;
            try
            {
                map = Run(ct => client.GetPermissionsAsync(null, path.Key, ct));
            }
            catch (Exception e) when (ErrorMapper.Handles(e))
            {
                WriteError(ErrorMapper.Map(e, path.Key, PveAuthMethod.ApiToken, result.FullTokenId));
                all = false;
                continue;
            }

            // PVE answers {"<path as given>": {...}}; the path was sent normalised.
            IReadOnlyDictionary<string, bool> held = map.Paths.Count == 1 ? map.Paths.Values.First() : map.Get(path.Key);
            foreach (PrivilegeRequirement wanted in path)
            {
                string? name = held.Keys.FirstOrDefault(k => string.Equals(k, wanted.Privilege, StringComparison.OrdinalIgnoreCase));
                checks.Add(name is null
                    ? new PveApiTokenPrivilegeCheck(path.Key, wanted.Privilege, false, false)
                    : new PveApiTokenPrivilegeCheck(path.Key, name, true, held[name]));
            }
        }

        result.Privileges = checks;
        result.Missing = checks.Where(c => !c.Granted).ToArray();
        result.MissingPrivileges = result.Missing.Select(c => c.Privilege).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        return all;
    }

    private static bool SameServer(Uri a, Uri b) =>
        string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;
}
