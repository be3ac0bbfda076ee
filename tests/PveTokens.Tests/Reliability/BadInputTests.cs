using System.Management.Automation;
using PveEmulator;
using PveTokens.Models;
using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Reliability;

/// <summary>
/// Every string parameter of every exported cmdlet (discovered from the module, so new cmdlets and
/// parameters are covered without editing the list of values) is tried with hostile values. Each
/// attempt must end one of two ways: refused locally with a specific message and no request sent
/// (the emulator's log proves it), or sent correctly encoded, so PVE's validator has nothing to
/// reject (no 400, no 501) and a stored value reads back exactly. Valid unusual input (users with
/// '@' in the name, realms with dots and dashes, any Unicode in comments) round-trips exactly.
/// </summary>
public sealed class BadInputTests
{
    public static readonly string[] Values =
    {
        string.Empty, "   ", new string('a', 10_000), "Zürich 東京 😀", "a\u0001b\u007f", "/", "..", "?", "#", "&", "%", "=", "!", "a\r\nb", "a[b", "x]`",
    };

    // Errors that mean PVE, not this module, had to refuse the input, or that something broke.
    private static readonly string[] ForbiddenErrorIds = { "InvalidArgument,", "ApiError,", "UnexpectedError", "InvalidResponse,", "AclPathRejected," };

    /// <summary>A valid policy that declares nothing (the access-policy cmdlets' safe invocation).</summary>
    private static readonly Lazy<string> EmptyPolicy = new(() =>
    {
        string path = Path.Combine(Path.GetTempPath(), $"pvetokens-badinput-{Guid.NewGuid():N}.psd1");
        File.WriteAllText(path, "@{ SchemaVersion = 1 }");
        return path;
    });

    /// <summary>
    /// A safe invocation per cmdlet (keyed "Cmdlet" or, where another parameter set is needed,
    /// "Cmdlet/Parameter"): valid arguments against the fixture below; n numbers each attempt.
    /// </summary>
    internal static readonly Dictionary<string, Func<int, Dictionary<string, object?>>> Invocations = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Connect-PveServer"] = _ => new() { ["ApiToken"] = "root@pam!rel=" + ReliabilityContext.TokenSecret, ["MaximumRetryCount"] = 0, ["TimeoutSec"] = 5 },
        ["Connect-PveServer/Realm"] = _ => new() { ["Credential"] = Root(), ["MaximumRetryCount"] = 0 },
        ["Connect-PveServer/OneTimePassword"] = _ => new() { ["Credential"] = Root(), ["MaximumRetryCount"] = 0 },
        ["New-PveApiToken"] = n => new() { ["UserId"] = "ci@pve", ["TokenId"] = $"new{n}", ["Comment"] = "c", ["Confirm"] = false },
        ["Update-PveApiToken"] = n => new() { ["UserId"] = "ci@pve", ["TokenId"] = $"victim{n}", ["Comment"] = "c", ["Confirm"] = false },
        ["Remove-PveApiToken"] = n => new() { ["UserId"] = "ci@pve", ["TokenId"] = $"victim{n}", ["Confirm"] = false },
        ["Reset-PveApiToken"] = n => new() { ["UserId"] = "ci@pve", ["TokenId"] = $"victim{n}", ["Confirm"] = false },
        ["Get-PveApiToken"] = _ => new() { ["UserId"] = "ci@pve", ["TokenId"] = "backup" },
        ["Get-PveAccessReport"] = _ => new() { ["Privilege"] = new[] { "Sys.Modify" } },
        ["Get-PveAcl"] = _ => new(),
        ["Set-PveAcl"] = _ => new() { ["Path"] = "/vms", ["TokenId"] = "ci@pve!backup", ["Role"] = "PVEAuditor", ["Confirm"] = false },
        ["Set-PveAcl/UserId"] = _ => new() { ["Path"] = "/vms", ["UserId"] = "ci@pve", ["Role"] = "PVEAuditor", ["Confirm"] = false },
        ["Set-PveAcl/GroupId"] = _ => new() { ["Path"] = "/vms", ["GroupId"] = "ops", ["Role"] = "PVEAuditor", ["Confirm"] = false },
        ["Remove-PveAcl"] = _ => new() { ["Path"] = "/vms", ["TokenId"] = "ci@pve!backup", ["Role"] = "PVEAuditor", ["Confirm"] = false },
        ["Remove-PveAcl/UserId"] = _ => new() { ["Path"] = "/vms", ["UserId"] = "ci@pve", ["Role"] = "PVEAuditor", ["Confirm"] = false },
        ["Remove-PveAcl/GroupId"] = _ => new() { ["Path"] = "/vms", ["GroupId"] = "ops", ["Role"] = "PVEAuditor", ["Confirm"] = false },
        ["Get-PvePermission"] = _ => new() { ["UserId"] = "ci@pve" },
        ["Get-PveRole"] = _ => new(),
        ["Get-PveUser"] = _ => new(),
        ["Get-PveSession"] = _ => new(),
        ["Set-PveSession"] = _ => new() { ["Default"] = true },
        ["Invoke-PveRestMethod"] = _ => new() { ["Path"] = "/access/users" },
        ["Disconnect-PveServer"] = _ => new(),
        ["Get-PveApiTokenAudit"] = _ => new(),
        ["ConvertTo-PveTokenHandoff"] = _ => new() { ["Credential"] = new PSCredential("root@pam!rel", TestSecrets.Secure(ReliabilityContext.TokenSecret)), ["Format"] = "Environment" },
        ["Get-PveAccessPlan"] = _ => new() { ["Path"] = EmptyPolicy.Value },
        ["Test-PveAccessPolicy"] = _ => new() { ["Path"] = EmptyPolicy.Value },
        ["Invoke-PveAccessPolicy"] = _ => new() { ["Path"] = EmptyPolicy.Value, ["Confirm"] = false },
        ["Export-PveAccessPolicy"] = _ => new() { ["WhatIf"] = true },
        ["Test-PveApiToken"] = _ => new() { ["ApiToken"] = "root@pam!rel=" + ReliabilityContext.TokenSecret, ["Path"] = new[] { "/vms" }, ["Privilege"] = new[] { "VM.Audit" } },
    };

    private static PSCredential Root() => new("root", TestSecrets.Secure(Emulators.RootPassword));

    [Fact]
    public async Task Every_string_parameter_refuses_bad_input_locally_or_sends_it_correctly_encoded()
    {
        await using var c = await ReliabilityContext.StartAsync(connectOptions: "-MaximumRetryCount 0");
        c.State.AddGroup("ops");
        List<(string Command, string Parameter)> targets = StringParameters(c.Ps);
        Assert.Contains(("New-PveApiToken", "Comment"), targets);
        Assert.Contains(("Set-PveAcl", "Path"), targets);

        var failures = new List<string>();
        int n = 0, refused = 0, sent = 0;
        foreach ((string command, string parameter) in targets)
        {
            Func<int, Dictionary<string, object?>>? invocation =
                Invocations.GetValueOrDefault(command + "/" + parameter) ?? Invocations.GetValueOrDefault(command);
            if (invocation is null)
            {
                failures.Add($"{command}: no safe invocation in BadInputTests.Invocations; add one so its parameters are tested.");
                continue;
            }

            foreach (string value in Values)
            {
                n++;
                c.State.AddToken("ci@pve", $"victim{n}", privsep: true, comment: "v");
                Dictionary<string, object?> arguments = invocation(n);
                bool isArray = c.Ps.Run($"(Get-Command {command}).Parameters['{parameter}'].ParameterType.IsArray").Output.Single().BaseObject is true;
                arguments[parameter] = isArray ? new[] { value } : value;
                bool takesSession = c.Ps.Run($"(Get-Command {command}).Parameters['Session'].ParameterType -eq [PveTokens.Models.PveSession]").Output.Single().BaseObject is true;
                if (takesSession)
                {
                    arguments["Session"] = c.Session;
                }
                else if (command == "Connect-PveServer")
                {
                    arguments.TryAdd("Server", c.Host.Url.ToString());
                    arguments.TryAdd("CertificateThumbprint", c.Host.CertificateSha256);
                }

                int before = c.Host.RequestLog.Count;
                PsResult r = c.Ps.Run($"& {command} @a -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Out-Null", new() { ["a"] = arguments });
                int requests = c.Host.RequestLog.Count - before;
                string what = $"{command} -{parameter} {Show(value)}";
                foreach (ErrorRecord e in r.Errors.Where(e => MessageRules.RepeatedSentence(MessageRules.TextOf(e)) is not null))
                {
                    failures.Add($"{what}: the message says a sentence twice: {MessageRules.TextOf(e)}");
                }

                // An exception that escaped a cmdlet unmapped has its type name as the error id ("RuntimeException,…").
                foreach (ErrorRecord e in r.Errors.Where(e => e.FullyQualifiedErrorId.Split(',')[0].EndsWith("Exception", StringComparison.Ordinal)))
                {
                    failures.Add($"{what}: an exception escaped unmapped after {requests} request(s): {PsResult.Describe(e)}");
                }

                if (r.Errors.Count > 0 && requests == 0)
                {
                    refused++;
                    foreach (ErrorRecord e in r.Errors)
                    {
                        string message = e.ErrorDetails?.Message ?? e.Exception.Message;
                        if (e.FullyQualifiedErrorId.StartsWith("UnexpectedError", StringComparison.Ordinal) || string.IsNullOrWhiteSpace(message) ||
                            e.Exception is not (ArgumentException or ParameterBindingException or ValidationMetadataException or PSArgumentException or RuntimeException))
                        {
                            failures.Add($"{what}: refused without a specific message: {PsResult.Describe(e)}");
                        }
                    }

                    continue;
                }

                sent++;
                foreach (ErrorRecord e in r.Errors.Where(e => ForbiddenErrorIds.Any(id => e.FullyQualifiedErrorId.StartsWith(id, StringComparison.Ordinal))))
                {
                    failures.Add($"{what}: sent {requests} request(s) and failed: {e.FullyQualifiedErrorId}: {e.ErrorDetails?.Message ?? e.Exception.Message}");
                }

                if (r.Errors.Count == 0 && parameter == "Comment" && command is "New-PveApiToken" or "Update-PveApiToken")
                {
                    string tokenId = (string)arguments["TokenId"]!;
                    string? stored = c.State.GetToken("ci@pve", tokenId)?.Comment;
                    if (stored != value)
                    {
                        failures.Add($"{what}: stored as {Show(stored ?? "<no token>")}");
                    }
                }
            }
        }

        Console.WriteLine($"bad input: {n} attempts, {refused} refused locally, {sent} sent");
        Assert.True(failures.Count == 0, $"{failures.Count} of {n} attempts failed ({refused} refused locally, {sent} sent):\n" + string.Join("\n", failures));
    }

    [Fact]
    public async Task Valid_unusual_names_and_comments_round_trip_exactly()
    {
        await using var c = await ReliabilityContext.StartAsync();
        c.State.AddRealm("corp-ad.example");
        c.State.AddUser("j.doe@corp.example@pve", password: "Jdoe-Example-Pass-1");
        c.State.AddUser("svc_backup-01@corp-ad.example");
        const string comment = "Zürich ☃ 😀 & = % # ? / + ; a=b&c=d %41 \"quoted\" 'single' \t tab";
        foreach (string user in new[] { "j.doe@corp.example@pve", "svc_backup-01@corp-ad.example" })
        {
            PsResult r = c.Run("""
                $t = New-PveApiToken -Session $s -UserId $u -TokenId 'ci-1.x_y' -Comment $comment -Confirm:$false
                Set-PveAcl -Session $s -Path '/vms/100' -TokenId $t.FullTokenId -Role PVEAuditor -Confirm:$false
                Get-PveApiToken -Session $s -UserId $u -TokenId 'ci-1.x_y'
                Get-PveApiToken -Session $s | Where-Object UserId -eq $u
                Update-PveApiToken -Session $s -UserId $u -TokenId 'ci-1.x_y' -Comment ($comment + '!') -PassThru -Confirm:$false
                Get-PveAcl -Session $s -TokenId $t.FullTokenId
                """, ("u", user), ("comment", comment));

            r.AssertNoErrors();
            PveApiToken[] tokens = r.Objects<PveApiToken>().ToArray();
            Assert.True(tokens.Length == 3, user + ": " + string.Join("; ", tokens.Select(t => $"{t.GetType().Name} {t.FullTokenId} {t.Comment}")));
            Assert.All(tokens, t => Assert.Equal(user, t.UserId));
            Assert.All(tokens, t => Assert.Equal(user + "!ci-1.x_y", t.FullTokenId));
            Assert.All(tokens.Take(2), t => Assert.Equal(comment, t.Comment));
            Assert.Equal(comment + "!", tokens[2].Comment);
            Assert.Equal(comment + "!", c.State.GetToken(user, "ci-1.x_y")!.Value.Comment);
            Assert.Contains(c.State.AclEntries(), a => a.Path == "/vms/100" && a.UgId == user + "!ci-1.x_y" && a.RoleId == "PVEAuditor");
            Assert.Equal(user + "!ci-1.x_y", Assert.Single(r.Objects<PveAcl>()).Principal);
        }
    }

    /// <summary>A real (UUID-shaped) secret, and one of another shape, so the masking is not only the UUID scrub.</summary>
    private const string PastedSecret = "5f0c2d1e-8a7b-4c3d-9e6f-1a2b3c4d5e6f";
    private const string OddSecret = "Sup3r-Secret-Value-42";

    /// <summary>Secrets as admins paste them where they do not belong: token strings, a bare "name=secret", a URL with credentials.</summary>
    public static readonly string[] PastedTokens =
    {
        "ci@pve!deploy=" + PastedSecret,
        "PVEAPIToken=ci@pve!deploy=" + PastedSecret,
        "qtok2=" + OddSecret,
        "ci@pve!deploy=" + OddSecret,
        "ci@pve!deploy:" + OddSecret,
        $"https://ci@pve!deploy:{OddSecret}@127.0.0.1:8006/?token={OddSecret}",
    };

    [Fact]
    public async Task A_secret_given_to_any_parameter_appears_in_no_error_stream_or_Error_entry()
    {
        await using var c = await ReliabilityContext.StartAsync(connectOptions: "-MaximumRetryCount 0");
        c.State.AddGroup("ops");
        var runs = new List<(string What, string Script, Dictionary<string, object?> Splat, string Value)>();
        int n = 0;
        List<(string Command, string Parameter, ParameterKind Kind)> parameters = AllParameters(c.Ps);

        // Every kind of parameter is in the matrix: text, a date, a number, an enum, a session, a
        // token object, a hashtable, a switch, a bool (the binder quotes what it cannot convert).
        foreach (ParameterKind kind in Enum.GetValues<ParameterKind>())
        {
            Assert.Contains(parameters, p => p.Kind == kind);
        }

        foreach ((string command, string parameter, ParameterKind kind) in parameters)
        {
            Func<int, Dictionary<string, object?>> invocation =
                Invocations.GetValueOrDefault(command + "/" + parameter) ?? Invocations[command];
            foreach ((string form, object value, string pasted) in PastedForms(kind))
            {
                n++;
                c.State.AddToken("ci@pve", $"victim{n}", privsep: true, comment: "v");
                Dictionary<string, object?> splat = invocation(n);
                splat[parameter] = value;
                AddConnection(c, command, splat);
                runs.Add(($"{command} -{parameter} <{form}>", $"& {command} @a", splat, pasted));
            }
        }

        // Positional use, where a value lands in whatever parameter has the position (the swapped
        // `Connect-PveServer $token $server` of a tired admin), and credentials whose user name is a token string.
        // (A cmdlet without positional parameters is left out: PowerShell's binder, not the module, refuses the stray argument.)
        PsResult positional = c.Ps.Run("""
            foreach ($c in Get-Command -Module PveTokens -CommandType Cmdlet | Sort-Object Name) {
                $n = @($c.Parameters.Values | ForEach-Object { $_.ParameterSets.Values } | Where-Object Position -ge 0 | ForEach-Object Position | Sort-Object -Unique).Count
                if ($n -gt 0) { '{0}|{1}' -f $c.Name, $n }
            }
            """);
        foreach (string[] row in positional.Output.Select(o => o.ToString().Split('|')))
        {
            (string command, int positions) = (row[0], int.Parse(row[1], System.Globalization.CultureInfo.InvariantCulture));
            for (int v = 0; v < PastedTokens.Length; v++)
            {
                var splat = new Dictionary<string, object?>();
                AddConnection(c, command, splat);
                if (SessionIsPositional(c, command))
                {
                    // The pasted value is meant to land in -Session itself (Set-PveSession $token).
                    splat.Remove("Session");
                }

                runs.Add(($"{command} <pasted #{v}> (positional)", $"& {command} $v @a", splat, PastedTokens[v]));
                if (positions > 1)
                {
                    runs.Add(($"{command} <pasted #{v}> <server> (positional)", $"& {command} $v $url @a", splat, PastedTokens[v]));
                }
            }
        }

        Assert.Contains(runs, r => r.What.StartsWith("Connect-PveServer <pasted #0> <server>", StringComparison.Ordinal));

        for (int v = 0; v < PastedTokens.Length; v++)
        {
            string value = PastedTokens[v];
            var asUser = new Dictionary<string, object?> { ["Credential"] = new PSCredential(value, TestSecrets.Secure(OddSecret)) };
            runs.Add(($"Connect-PveServer -Credential <user name: pasted #{v}>", "Connect-PveServer -Server $url -CertificateThumbprint $fp -MaximumRetryCount 0 @a", asUser, value));
            runs.Add(($"Connect-PveServer -Credential <pasted #{v}>", "Connect-PveServer -Server $url -CertificateThumbprint $fp -MaximumRetryCount 0 -Credential $v", new(), value));
            runs.Add(($"ConvertTo-PveTokenHandoff -Credential <user name: pasted #{v}>", "ConvertTo-PveTokenHandoff -Format Header @a", asUser, value));
            runs.Add(($"<pasted #{v}> | ConvertTo-PveTokenHandoff", "$v | ConvertTo-PveTokenHandoff -Format Environment", new(), value));
            runs.Add(($"Connect-PveServer -ApiToken <pasted #{v}>", "Connect-PveServer -Server $url -CertificateThumbprint $fp -MaximumRetryCount 0 -ApiToken $v", new(), value));
            runs.Add(($"Test-PveApiToken -ApiToken <pasted #{v}>", "Test-PveApiToken -Session $s -ApiToken $v", new(), value));
        }

        var failures = new List<string>();
        int errors = 0;
        c.Ps.Run("$Error.Clear()");
        foreach ((string what, string script, Dictionary<string, object?> splat, string value) in runs)
        {
            var variables = new Dictionary<string, object?>
            {
                ["a"] = splat, ["v"] = value, ["url"] = c.Host.Url.ToString(), ["fp"] = c.Host.CertificateSha256, ["s"] = c.Session,
            };
            PsResult r = c.Ps.Run(script + " -ErrorAction Continue -WarningAction Continue -InformationAction Continue | Out-Null", variables, verbose: true);
            errors += r.Errors.Count;
            string text = ErrorText(r) + string.Join("\n", r.Warnings.Concat(r.Verbose).Concat(r.Debug).Concat(r.Information).Concat(r.Prompts).Concat(r.HostLines));
            foreach (string secret in new[] { PastedSecret, OddSecret }.Where(secret => text.Contains(secret, StringComparison.OrdinalIgnoreCase)))
            {
                failures.Add($"{what}: the secret appears in: {Excerpt(text, secret)}");
            }

            failures.AddRange(r.Errors.Select(e => MessageRules.RepeatedSentence(MessageRules.TextOf(e)) is string repeated ? $"{what}: repeats \"{repeated}\"" : null).OfType<string>());
        }

        string recorded = string.Join("\n", c.Ps.Run("$Error | Format-List * -Force | Out-String -Width 400; $Error | ForEach-Object { $_.Exception.ToString(); $_.TargetObject | Out-String }").Output);
        foreach (string secret in new[] { PastedSecret, OddSecret }.Where(secret => recorded.Contains(secret, StringComparison.OrdinalIgnoreCase)))
        {
            failures.Add("$Error holds a secret: " + Excerpt(recorded, secret));
        }

        Console.WriteLine($"pasted secrets: {runs.Count} runs, {errors} errors scanned");
        Assert.True(errors > runs.Count / 2, $"most runs end in an error that is scanned ({errors} errors in {runs.Count} runs)");
        Assert.True(failures.Count == 0, $"{failures.Count} leaks or repeats:\n" + string.Join("\n", failures.Distinct()));
    }

    [Fact]
    public void Every_parameter_the_binder_converts_masks_what_it_would_quote_for_its_own_type()
    {
        // Types whose refusal never quotes the value (switch, bool), that are never refused (object),
        // or that the module's own code checks (text, credentials).
        Type[] unconverted = { typeof(string), typeof(string[]), typeof(object), typeof(object[]), typeof(SwitchParameter), typeof(bool), typeof(PSCredential) };
        var failures = new List<string>();
        int checkedCount = 0;
        foreach (Type cmdlet in typeof(PveTokens.Commands.PveSessionCmdletBase).Assembly.GetTypes().Where(t => t.GetCustomAttributes(typeof(CmdletAttribute), false).Length > 0))
        {
            foreach (System.Reflection.PropertyInfo property in cmdlet.GetProperties().Where(p => p.GetCustomAttributes(typeof(ParameterAttribute), true).Length > 0))
            {
                Type type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                if (unconverted.Contains(type))
                {
                    continue;
                }

                checkedCount++;
                var masked = (PveTokens.Commands.MaskedConversionAttribute?)property.GetCustomAttributes(typeof(PveTokens.Commands.MaskedConversionAttribute), true).SingleOrDefault();
                if (masked is null)
                {
                    failures.Add($"{cmdlet.Name}.{property.Name} ({type.Name}) has no [MaskedConversion(typeof({type.Name}))]: the binder would quote a pasted secret whole.");
                }
                else if (masked.Type != type)
                {
                    failures.Add($"{cmdlet.Name}.{property.Name} is a {type.Name} but its [MaskedConversion] names {masked.Type.Name}: values the binder could convert would be refused.");
                }
            }
        }

        Assert.True(checkedCount > 20, $"the reflection found the converted parameters ({checkedCount})");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Every_wildcard_parameter_refuses_an_invalid_pattern_when_it_is_bound()
    {
        var failures = new List<string>();
        int wildcardParameters = 0;
        foreach (Type cmdlet in typeof(PveTokens.Commands.PveSessionCmdletBase).Assembly.GetTypes().Where(t => t.GetCustomAttributes(typeof(CmdletAttribute), false).Length > 0))
        {
            foreach (System.Reflection.PropertyInfo property in cmdlet.GetProperties().Where(p => p.GetCustomAttributes(typeof(SupportsWildcardsAttribute), true).Length > 0))
            {
                wildcardParameters++;
                if (property.GetCustomAttributes(typeof(PveTokens.Commands.ValidateWildcardAttribute), true).Length == 0)
                {
                    failures.Add($"{cmdlet.Name}.{property.Name} supports wildcards but has no [ValidateWildcard]: 'a[b' would fail late, as a bare WildcardPatternException or not at all.");
                }
            }
        }

        Assert.True(wildcardParameters > 10, $"the reflection found the wildcard parameters ({wildcardParameters})");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static bool SessionIsPositional(ReliabilityContext c, string command) =>
        c.Ps.Run($"@((Get-Command {command}).Parameters['Session'].ParameterSets.Values | Where-Object Position -ge 0).Count -gt 0").Output.Single().BaseObject is true;

    private static void AddConnection(ReliabilityContext c, string command, Dictionary<string, object?> arguments)
    {
        bool takesSession = c.Ps.Run($"(Get-Command {command}).Parameters['Session'].ParameterType -eq [PveTokens.Models.PveSession]").Output.Single().BaseObject is true;
        bool confirms = c.Ps.Run($"(Get-Command {command}).Parameters.ContainsKey('Confirm')").Output.Single().BaseObject is true;
        if (takesSession)
        {
            arguments.TryAdd("Session", c.Session);
        }
        else if (command == "Connect-PveServer")
        {
            arguments.TryAdd("CertificateThumbprint", c.Host.CertificateSha256);
            arguments.TryAdd("MaximumRetryCount", 0);
        }

        if (confirms)
        {
            arguments.TryAdd("Confirm", false);
        }
    }

    /// <summary>Everything an error shows or keeps: message, details, recommended action, target, category and the exception chain.</summary>
    private static string ErrorText(PsResult r) =>
        string.Join("\n", r.Errors.Select(e => PsResult.Describe(e) + "\n" + e.Exception + "\n" + e.CategoryInfo.TargetName + "\n" + e.InvocationInfo?.Line));

    private static string Excerpt(string text, string secret)
    {
        int i = text.IndexOf(secret, StringComparison.OrdinalIgnoreCase);
        int start = Math.Max(0, i - 160);
        return text.Substring(start, Math.Min(text.Length - start, 200)).Replace("\n", " | ");
    }

    private static List<(string Command, string Parameter)> StringParameters(PowerShellHost ps)
    {
        PsResult r = ps.Run("""
            $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
            foreach ($c in Get-Command -Module PveTokens -CommandType Cmdlet | Sort-Object Name) {
                foreach ($p in $c.Parameters.Values | Sort-Object Name) {
                    if ($common -contains $p.Name) { continue }
                    if ($p.ParameterType -eq [string] -or $p.ParameterType -eq [string[]]) { '{0}|{1}' -f $c.Name, $p.Name }
                }
            }
            """);
        r.AssertNoErrors();
        return r.Output.Select(o => o.ToString().Split('|')).Select(p => (p[0], p[1])).ToList();
    }

    /// <summary>What the binder does with a value given to a parameter, which decides what to paste into it.</summary>
    internal enum ParameterKind
    {
        /// <summary>string: the module's own validators see the value.</summary>
        Text,

        /// <summary>string[]: the module's own validators see each value.</summary>
        TextList,

        /// <summary>An array of anything else: the binder converts each element.</summary>
        List,

        /// <summary>Any other type the binder converts to (a date, a number, an enum, a session, a token object).</summary>
        Converted,

        /// <summary>object: the module's own code decides.</summary>
        Untyped,

        /// <summary>A switch or a bool: the binder refuses text and objects by their type name.</summary>
        Flag,
    }

    private static List<(string Command, string Parameter, ParameterKind Kind)> AllParameters(PowerShellHost ps)
    {
        PsResult r = ps.Run("""
            $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
            foreach ($c in Get-Command -Module PveTokens -CommandType Cmdlet | Sort-Object Name) {
                foreach ($p in $c.Parameters.Values | Sort-Object Name) {
                    if ($common -contains $p.Name) { continue }
                    $t = $p.ParameterType
                    $kind = if ($t -eq [string]) { 'Text' }
                        elseif ($t -eq [string[]]) { 'TextList' }
                        elseif ($t -eq [switch] -or $t -eq [bool]) { 'Flag' }
                        elseif ($t -eq [object]) { 'Untyped' }
                        elseif ($t.IsArray) { 'List' }
                        else { 'Converted' }
                    '{0}|{1}|{2}' -f $c.Name, $p.Name, $kind
                }
            }
            """);
        r.AssertNoErrors();
        return r.Output.Select(o => o.ToString().Split('|')).Select(p => (p[0], p[1], Enum.Parse<ParameterKind>(p[2]))).ToList();
    }

    /// <summary>
    /// The pasted values a parameter of <paramref name="kind"/> is given: every pasted form as text,
    /// and, whatever the type, a custom object and a list that carry one (PowerShell shows both with
    /// their contents when it quotes them: "@{Token=...}", "1 ...").
    /// </summary>
    private static IEnumerable<(string Form, object Value, string Pasted)> PastedForms(ParameterKind kind)
    {
        for (int v = 0; v < PastedTokens.Length; v++)
        {
            yield return ($"pasted #{v}", kind == ParameterKind.TextList ? new[] { PastedTokens[v] } : PastedTokens[v], PastedTokens[v]);
        }

        foreach (int v in new[] { 0, PastedTokens.Length - 1 })
        {
            // A row of a CSV file or a request body: a password under its key looks like any other word.
            var carrier = new PSObject();
            carrier.Properties.Add(new PSNoteProperty("Token", PastedTokens[v]));
            carrier.Properties.Add(new PSNoteProperty("Password", OddSecret));
            yield return ($"object carrying pasted #{v}", carrier, PastedTokens[v]);
            yield return ($"list carrying pasted #{v}", new object[] { 1, PastedTokens[v] }, PastedTokens[v]);
        }
    }

    private static string Show(string value) =>
        value.Length > 40 ? $"<{value.Length} chars>" : "'" + string.Concat(value.Select(ch => char.IsControl(ch) ? $"\\u{(int)ch:x4}" : ch.ToString())) + "'";
}
