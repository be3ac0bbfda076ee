using PveTokens.Access;
using PveTokens.Commands;

namespace PveTokens.Tests.Policy;

/// <summary>
/// The policy file's validation, without a server: every key of every section (read from the parser's
/// own table, so a new key is covered without editing this file) refuses a wrong type and a misspelling
/// with the file, the entry, the line and a fix; ids, paths, duplicates and contradictions are refused;
/// nothing in a .psd1 is ever run.
/// </summary>
public sealed class PolicyParserTests
{
    /// <summary>A valid entry per section, as psd1 key = value pairs on one line each.</summary>
    private static readonly Dictionary<string, string[]> Valid = new()
    {
        ["Roles"] = new[] { "Id = 'SvcRole'", "Privileges = 'VM.Audit'" },
        ["Users"] = new[] { "Id = 'svc-a@pve'", "Comment = 'c'", "Enabled = $true", "ExpiresAt = '2030-01-01'", "Groups = 'svc-g'" },
        ["Groups"] = new[] { "Id = 'svc-g'", "Comment = 'c'" },
        ["Tokens"] = new[] { "User = 'svc-a@pve'", "Id = 'tk'", "Comment = 'c'", "PrivilegeSeparation = $false", "Lifetime = '90d'", "RenewBefore = '14d'" },
        ["Acl"] = new[] { "Path = '/vms'", "Roles = 'PVEAuditor'", "Principals = '@svc-g'", "Propagate = $false" },
        ["Scope"] = new[] { "Users = 'svc-*@pve'", "Tokens = 'svc-*'", "Groups = 'svc-*'", "Roles = 'Svc*'", "AclPaths = '/vms*'" },
    };

    public static TheoryData<string, string> EveryKey()
    {
        var data = new TheoryData<string, string>();
        foreach ((string section, string[] keys) in PolicyParser.SectionKeys)
        {
            foreach (string key in keys)
            {
                data.Add(section, key);
            }
        }

        return data;
    }

    /// <summary>A policy with one entry in <paramref name="section"/>; each key on its own line, from line 3.</summary>
    private static string Policy(string section, IEnumerable<string> pairs) =>
        "@{\n    SchemaVersion = 1\n" +
        (section == "Scope" ? "    Scope = @{\n" : $"    {section} = @(@{{\n") +
        string.Concat(pairs.Select(p => "        " + p + "\n")) +
        (section == "Scope" ? "    }\n" : "    })\n") + "}\n";

    private static (PolicyDocument? Document, List<PolicyError> Errors) Parse(string text)
    {
        var errors = new List<PolicyError>();
        PolicyNode? root = AccessPolicyFile.ReadPsd1(text, "test.psd1", errors);
        PolicyDocument? document = root is null ? null : PolicyParser.Parse(root, "test.psd1", errors);
        return (document, errors);
    }

    [Fact]
    public void The_valid_entries_are_valid_and_the_table_covers_every_section()
    {
        Assert.Equal(PolicyParser.SectionKeys.Keys.OrderBy(k => k), Valid.Keys.OrderBy(k => k));
        foreach ((string section, string[] pairs) in Valid)
        {
            (PolicyDocument? document, List<PolicyError> errors) = Parse(Policy(section, pairs));
            Assert.True(errors.Count == 0, section + ": " + string.Join("\n", errors));
            Assert.NotNull(document);
        }
    }

    [Theory]
    [MemberData(nameof(EveryKey))]
    public void Every_key_refuses_a_wrong_type_naming_the_file_the_entry_the_line_and_a_fix(string section, string key)
    {
        // ExpiresAt and a rotation policy exclude each other: test it without the rotation keys.
        string[] pairs = section == "Tokens" && key == "ExpiresAt"
            ? Valid[section].Where(p => !p.StartsWith("Lifetime", StringComparison.Ordinal) && !p.StartsWith("RenewBefore", StringComparison.Ordinal)).Append("ExpiresAt = '2030-01-01'").ToArray()
            : Valid[section];
        int index = Array.FindIndex(pairs, p => p.StartsWith(key + " ", StringComparison.Ordinal));
        Assert.True(index >= 0, $"Valid[{section}] has no {key}");
        string[] changed = pairs.Select((p, i) => i == index ? key + " = @{ x = 1 }" : p).ToArray();
        (PolicyDocument? document, List<PolicyError> errors) = Parse(Policy(section, changed));
        Assert.Null(document);
        PolicyError error = Assert.Single(errors);
        Assert.Equal("test.psd1", error.Source);
        Assert.StartsWith(section, error.Entry);
        Assert.Equal(4 + index, error.Line);
        Assert.Contains(key, error.Message);
        Assert.False(string.IsNullOrWhiteSpace(error.Fix));
    }

    [Theory]
    [MemberData(nameof(EveryKey))]
    public void Every_key_misspelled_is_an_unknown_key_with_a_suggestion(string section, string key)
    {
        string[] pairs = Valid[section];
        string typo = key.Substring(0, key.Length - 1) + "x";
        string[] changed = pairs.Where(p => !p.StartsWith(key + " ", StringComparison.Ordinal) || Required(section, key)).Append(typo + " = 'a'").ToArray();
        (PolicyDocument? document, List<PolicyError> errors) = Parse(Policy(section, changed));
        Assert.Null(document);
        Assert.Contains(errors, e => e.Message == $"Unknown key '{typo}'." && e.Fix.Contains($"'{key}'") && e.Line == 3 + changed.Length);
    }

    private static bool Required(string section, string key) => (section, key) is ("Tokens", "User") or ("Tokens", "Id") or (_, "Id") or ("Acl", "Path") or ("Acl", "Roles") or ("Acl", "Principals");

    [Theory]
    [InlineData("Users", "Id = 'svc@pam'", "realm 'pam'")]
    [InlineData("Users", "Id = 'svc'", "svc")]
    [InlineData("Tokens", "User = 'svc@pve'\n        Id = '1bad'", "1bad")]
    [InlineData("Roles", "Id = 'PVEMine'", "built-in")]
    [InlineData("Roles", "Id = 'Administrator'", "built-in")]
    [InlineData("Roles", "Id = 'Mine'\n        Privileges = 'VMAudit'", "not a privilege name")]
    [InlineData("Groups", "Id = 'bad group'", "bad group")]
    [InlineData("Acl", "Path = '/nosuch'\n        Roles = 'PVEAuditor'\n        Principals = 'a@pve'", "/nosuch")]
    [InlineData("Acl", "Path = '/vms'\n        Roles = 'PVEAuditor'\n        Principals = 'ops'", "group needs a leading '@'")]
    [InlineData("Acl", "Path = '/vms'\n        Roles = 'PVEAuditor'\n        Principals = 'root@pam'", "root@pam")]
    [InlineData("Tokens", "User = 'svc@pve'\n        Id = 'tk'\n        ExpiresAt = '2030-01-01'\n        Lifetime = '90d'\n        RenewBefore = '1d'", "contradicts")]
    [InlineData("Tokens", "User = 'svc@pve'\n        Id = 'tk'\n        Lifetime = '10d'\n        RenewBefore = '14d'", "shorter than Lifetime")]
    [InlineData("Tokens", "User = 'svc@pve'\n        Id = 'tk'\n        Lifetime = '10d'", "go together")]
    [InlineData("Tokens", "User = 'svc@pve'\n        Id = 'tk'\n        Lifetime = 'soon'\n        RenewBefore = '1d'", "duration")]
    [InlineData("Users", "Id = 'svc@pve'\n        ExpiresAt = 'tomorrow'", "must be a date")]
    public void Bad_ids_paths_and_contradictions_are_refused(string section, string entry, string expected)
    {
        (PolicyDocument? document, List<PolicyError> errors) = Parse(Policy(section, entry.Split('\n').Select(l => l.Trim())));
        Assert.Null(document);
        Assert.Contains(errors, e => e.Message.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Duplicates_and_conflicting_propagate_flags_are_refused_with_both_places()
    {
        (_, List<PolicyError> errors) = Parse("""
            @{
                SchemaVersion = 1
                Users = @( @{ Id = 'svc@pve' }, @{ Id = 'svc@pve' } )
                Acl = @(
                    @{ Path = '/vms'; Roles = 'PVEAuditor'; Principals = 'svc@pve' }
                    @{ Path = '/vms/'; Roles = 'PVEAuditor'; Principals = 'svc@pve'; Propagate = $false }
                )
            }
            """);
        Assert.Contains(errors, e => e.Message.Contains("declared twice (first in Users[0] (svc@pve), line 3)"));
        Assert.Contains(errors, e => e.Message.Contains("Propagate False") && e.Line == 6);
    }

    [Fact]
    public void A_declared_object_outside_the_scope_is_a_contradiction()
    {
        (_, List<PolicyError> errors) = Parse("@{ SchemaVersion = 1; Scope = @{ Users = 'svc-*@pve' }; Users = @{ Id = 'other@pve' } }");
        Assert.Contains(errors, e => e.Message.Contains("outside Scope.Users"));
    }

    [Theory]
    [InlineData("@{ SchemaVersion = 1; Users = @{ Id = (Get-Date) } }", "not allowed")]
    [InlineData("@{ SchemaVersion = 1; Users = @{ Id = \"$(Remove-Item x)\" } }", "not allowed")]
    [InlineData("@{ SchemaVersion = 1 }; Remove-Item x", "exactly one hashtable")]
    [InlineData("Remove-Item x", "exactly one hashtable")]
    [InlineData("@{ SchemaVersion = 1; Users = @{ Id = $env:USER } }", "not allowed")]
    [InlineData("@{ SchemaVersion = 2 }", "reads version 1")]
    [InlineData("@{ Users = @() }", "SchemaVersion is missing")]
    [InlineData("@{ SchemaVersion = 1; Userz = @() }", "Unknown key 'Userz'")]
    [InlineData("@{ SchemaVersion = 1; Users = 'svc@pve' }", "list of tables")]
    [InlineData("@{ SchemaVersion = 1 ", "the file")]
    public void Code_and_malformed_files_are_refused_without_running_anything(string text, string expected)
    {
        (PolicyDocument? document, List<PolicyError> errors) = Parse(text);
        Assert.Null(document);
        Assert.Contains(errors, e => e.Message.Contains(expected, StringComparison.Ordinal) || e.Entry.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Json_errors_carry_the_line_of_the_value()
    {
        var errors = new List<PolicyError>();
        PolicyNode? root = PolicyJsonReader.Read("{\n  \"SchemaVersion\": 1,\n  \"Tokens\": [\n    { \"User\": \"svc@pve\", \"Id\": \"tk\",\n      \"PrivilegeSeparation\": \"no\" }\n  ]\n}"u8, out string? syntax);
        Assert.Null(syntax);
        Assert.Null(PolicyParser.Parse(root!, "p.json", errors));
        PolicyError error = Assert.Single(errors);
        Assert.Equal(5, error.Line);
        Assert.Equal("Tokens[0] (svc@pve!tk)", error.Entry);

        Assert.Null(PolicyJsonReader.Read("{\n \"SchemaVersion\": 1,\n \"Users\": [ }"u8, out syntax));
        Assert.StartsWith("Line 3:", syntax);
    }

    [Fact]
    public void Json_and_psd1_read_to_the_same_policy()
    {
        (PolicyDocument? fromPsd1, _) = Parse("@{ SchemaVersion = 1; Acl = @{ Path = '/vms'; Roles = 'PVEAuditor', 'PVEVMUser'; Principals = '@ops', 'a@pve!tk'; Propagate = $false } }");
        var errors = new List<PolicyError>();
        PolicyDocument? fromJson = PolicyParser.Parse(PolicyJsonReader.Read(
            """{ "SchemaVersion": 1, "Acl": [ { "Path": "/vms", "Roles": ["PVEAuditor", "PVEVMUser"], "Principals": ["@ops", "a@pve!tk"], "Propagate": false } ] }"""u8, out _)!, "p.json", errors);
        Assert.Empty(errors);
        Assert.Equal(fromPsd1!.Acl.Select(a => $"{a.Path} {a.Type} {a.Principal} {a.Role} {a.Propagate}"), fromJson!.Acl.Select(a => $"{a.Path} {a.Type} {a.Principal} {a.Role} {a.Propagate}"));
        Assert.Equal(4, fromJson.Acl.Count);
    }
}
