// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using PveTokens.Access;
using PveTokens.Models;

namespace PveTokens.Commands;

/// <summary>
/// Reads a policy file into <see cref="PolicyNode"/>s without running any of it: a .psd1 through
/// PowerShell's parser, taking only constant values (strings, numbers, $true/$false/$null, @( ) and
/// @{ }), as Import-PowerShellDataFile does; anything else, JSON through <see cref="PolicyJsonReader"/>.
/// </summary>
internal static class AccessPolicyFile
{
    /// <summary>The validated policy, or null with the problems in <paramref name="errors"/>.</summary>
    internal static PolicyDocument? Load(string fullPath, List<PolicyError> errors)
    {
        string name = Path.GetFileName(fullPath);
        PolicyNode? root = FormatOf(fullPath) == PveAccessPolicyFormat.Json
            ? ReadJson(fullPath, name, errors)
            : ReadPsd1(File.ReadAllText(fullPath), name, errors);
        return root is null ? null : PolicyParser.Parse(root, name, errors);
    }

    /// <summary>The format a policy file is read as: JSON for a name ending in .json, else a PowerShell data file.</summary>
    internal static PveAccessPolicyFormat FormatOf(string path) =>
        path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? PveAccessPolicyFormat.Json : PveAccessPolicyFormat.Psd1;

    private static PolicyNode? ReadJson(string fullPath, string name, List<PolicyError> errors)
    {
        PolicyNode? root = PolicyJsonReader.Read(File.ReadAllBytes(fullPath), out string? error);
        if (root is null)
        {
            errors.Add(new PolicyError(name, "the file", 0, error!, "Fix the JSON syntax (a .psd1 file is read as a PowerShell data file instead)."));
        }

        return root;
    }

    /// <summary>A .psd1's one hashtable as nodes; parse errors and any code are refused with their line.</summary>
    internal static PolicyNode? ReadPsd1(string text, string name, List<PolicyError> errors)
    {
        ScriptBlockAst ast = Parser.ParseInput(text, out _, out ParseError[] parseErrors);
        if (parseErrors.Length > 0)
        {
            foreach (ParseError e in parseErrors.Take(5))
            {
                errors.Add(new PolicyError(name, "the file", e.Extent.StartLineNumber, e.Message, "Fix the PowerShell data file syntax."));
            }

            return null;
        }

        var statements = ast.EndBlock?.Statements ?? (IReadOnlyList<StatementAst>)Array.Empty<StatementAst>();
        if (ast.ParamBlock is not null || ast.BeginBlock is not null || ast.ProcessBlock is not null || statements.Count != 1 ||
            Expression(statements[0]) is not HashtableAst)
        {
            errors.Add(new PolicyError(name, "the file", 1, "A policy .psd1 must hold exactly one hashtable, @{ … }, and nothing else.",
                "Start from Export-PveAccessPolicy's output or the example in about_PveTokens_AccessPolicy."));
            return null;
        }

        int before = errors.Count;
        PolicyNode node = Convert(Expression(statements[0])!, name, errors);
        return errors.Count == before ? node : null;
    }

    /// <summary>The expression a statement consists of, or null for anything else (a command, an assignment).</summary>
    private static ExpressionAst? Expression(StatementAst statement) =>
        statement is PipelineAst { PipelineElements.Count: 1 } pipeline && pipeline.PipelineElements[0] is CommandExpressionAst { Redirections.Count: 0 } command
            ? command.Expression
            : null;

    private static PolicyNode Convert(Ast ast, string name, List<PolicyError> errors)
    {
        int line = ast.Extent.StartLineNumber;
        switch (ast)
        {
            case HashtableAst table:
                PolicyNode map = PolicyNode.Map(line);
                foreach (Tuple<ExpressionAst, StatementAst> pair in table.KeyValuePairs)
                {
                    string? key = pair.Item1 switch
                    {
                        StringConstantExpressionAst s => s.Value,
                        _ => null,
                    };
                    if (key is null)
                    {
                        errors.Add(Refused(name, pair.Item1, "a key must be a plain name or a quoted string"));
                        continue;
                    }

                    ExpressionAst? value = Expression(pair.Item2);
                    if (value is null)
                    {
                        errors.Add(Refused(name, pair.Item2, "a value must be a constant"));
                        continue;
                    }

                    map.Entries.Add(new KeyValuePair<string, PolicyNode>(key, Convert(value, name, errors)));
                }

                return map;
            case ArrayExpressionAst array:
                PolicyNode fromArray = PolicyNode.List(line);
                foreach (StatementAst statement in array.SubExpression.Statements)
                {
                    ExpressionAst? value = Expression(statement);
                    if (value is null)
                    {
                        errors.Add(Refused(name, statement, "@( ) may only hold constants"));
                        continue;
                    }

                    PolicyNode item = Convert(value, name, errors);
                    // @('a', 'b') is one statement holding a list: flatten it as PowerShell does.
                    if (value is ArrayLiteralAst)
                    {
                        fromArray.Items.AddRange(item.Items);
                    }
                    else
                    {
                        fromArray.Items.Add(item);
                    }
                }

                return fromArray;
            case ArrayLiteralAst literal:
                PolicyNode list = PolicyNode.List(line);
                list.Items.AddRange(literal.Elements.Select(e => Convert(e, name, errors)));
                return list;
            case StringConstantExpressionAst s:
                return PolicyNode.String(s.Value, line);
            case ExpandableStringExpressionAst expandable when expandable.NestedExpressions.Count == 0:
                return PolicyNode.String(expandable.Value, line);
            case ConstantExpressionAst constant when constant.Value is int or long:
                return PolicyNode.Int(System.Convert.ToInt64(constant.Value, System.Globalization.CultureInfo.InvariantCulture), line);
            case VariableExpressionAst variable when variable.VariablePath.UserPath.Equals("true", StringComparison.OrdinalIgnoreCase):
                return PolicyNode.Bool(true, line);
            case VariableExpressionAst variable when variable.VariablePath.UserPath.Equals("false", StringComparison.OrdinalIgnoreCase):
                return PolicyNode.Bool(false, line);
            case VariableExpressionAst variable when variable.VariablePath.UserPath.Equals("null", StringComparison.OrdinalIgnoreCase):
                return PolicyNode.Null(line);
            case ParenExpressionAst paren when Expression(paren.Pipeline as StatementAst ?? paren.Pipeline) is ExpressionAst inner:
                return Convert(inner, name, errors);
            default:
                errors.Add(Refused(name, ast, "only constants are allowed (strings, whole numbers, $true, $false, $null, @( ) and @{ })"));
                return PolicyNode.Null(line);
        }
    }

    private static PolicyError Refused(string name, Ast ast, string why)
    {
        string text = ast.Extent.Text;
        return new PolicyError(name, "the file", ast.Extent.StartLineNumber,
            $"'{(text.Length > 40 ? text.Substring(0, 40) + "…" : text)}' is not allowed: {why}; a policy file is data and is never run.",
            "Write the value as a literal.");
    }

    /// <summary>A -Scope hashtable as nodes (the same checks as the file's Scope section).</summary>
    internal static PolicyNode FromObject(object? value)
    {
        value = value is PSObject ps ? ps.BaseObject : value;
        switch (value)
        {
            case null:
                return PolicyNode.Null(0);
            case string s:
                return PolicyNode.String(s, 0);
            case bool b:
                return PolicyNode.Bool(b, 0);
            case int or long:
                return PolicyNode.Int(System.Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture), 0);
            case IDictionary dictionary:
                PolicyNode map = PolicyNode.Map(0);
                foreach (DictionaryEntry entry in dictionary)
                {
                    map.Entries.Add(new KeyValuePair<string, PolicyNode>(entry.Key?.ToString() ?? string.Empty, FromObject(entry.Value)));
                }

                return map;
            case IEnumerable items:
                PolicyNode list = PolicyNode.List(0);
                foreach (object? item in items)
                {
                    list.Items.Add(FromObject(item));
                }

                return list;
            default:
                return PolicyNode.String(value.ToString() ?? string.Empty, 0);
        }
    }
}
