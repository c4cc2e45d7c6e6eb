"""Expected values for test_nn_modules_semantics, recorded from torch 2.13 (CPU), so the
tests run without torch: constructor signatures (``DD`` stands for ``device=None,
dtype=None``; a line starting with spaces continues the one above), state_dict names and
shapes in order, and repr strings."""

SIGNATURES = """
AlphaDropout: p=0.5, inplace=False
BatchNorm1d: num_features, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True, DD,
    *, bias=True
BatchNorm2d: num_features, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True, DD,
    *, bias=True
BatchNorm3d: num_features, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True, DD,
    *, bias=True
Bilinear: in1_features, in2_features, out_features, bias=True, DD
CELU: alpha=1.0, inplace=False
ChannelShuffle: groups
CircularPad1d: padding
CircularPad2d: padding
CircularPad3d: padding
ConstantPad1d: padding, value
ConstantPad2d: padding, value
ConstantPad3d: padding, value
Conv1d: in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
    bias=True, padding_mode='zeros', DD
Conv2d: in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
    bias=True, padding_mode='zeros', DD
Conv3d: in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
    bias=True, padding_mode='zeros', DD
ConvTranspose1d: in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
    groups=1, bias=True, dilation=1, padding_mode='zeros', DD
ConvTranspose2d: in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
    groups=1, bias=True, dilation=1, padding_mode='zeros', DD
ConvTranspose3d: in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
    groups=1, bias=True, dilation=1, padding_mode='zeros', DD
CosineSimilarity: dim=1, eps=1e-08
Dropout: p=0.5, inplace=False
Dropout1d: p=0.5, inplace=False
Dropout2d: p=0.5, inplace=False
Dropout3d: p=0.5, inplace=False
ELU: alpha=1.0, inplace=False
Embedding: num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0,
    scale_grad_by_freq=False, sparse=False, _weight=None, _freeze=False, DD
EmbeddingBag: num_embeddings, embedding_dim, max_norm=None, norm_type=2.0,
    scale_grad_by_freq=False, mode='mean', sparse=False, _weight=None,
    include_last_offset=False, padding_idx=None, DD
FeatureAlphaDropout: p=0.5, inplace=False
Flatten: start_dim=1, end_dim=-1
Fold: output_size, kernel_size, dilation=1, padding=0, stride=1
GELU: approximate='none'
GLU: dim=-1
GroupNorm: num_groups, num_channels, eps=1e-05, affine=True, DD, *, bias=True
Hardshrink: lambd=0.5
Hardsigmoid: inplace=False
Hardswish: inplace=False
Hardtanh: min_val=-1.0, max_val=1.0, inplace=False, min_value=None, max_value=None
Identity: *args, **kwargs
InstanceNorm1d: num_features, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False,
    DD, *, bias=True
InstanceNorm2d: num_features, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False,
    DD, *, bias=True
InstanceNorm3d: num_features, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False,
    DD, *, bias=True
LayerNorm: normalized_shape, eps=1e-05, elementwise_affine=True, bias=True, DD
LazyBatchNorm1d: eps=1e-05, momentum=0.1, affine=True, track_running_stats=True, DD, *,
    bias=True
LazyBatchNorm2d: eps=1e-05, momentum=0.1, affine=True, track_running_stats=True, DD, *,
    bias=True
LazyBatchNorm3d: eps=1e-05, momentum=0.1, affine=True, track_running_stats=True, DD, *,
    bias=True
LazyConv1d: out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
    padding_mode='zeros', DD
LazyConv2d: out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
    padding_mode='zeros', DD
LazyConv3d: out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
    padding_mode='zeros', DD
LazyConvTranspose1d: out_channels, kernel_size, stride=1, padding=0, output_padding=0,
    groups=1, bias=True, dilation=1, padding_mode='zeros', DD
LazyConvTranspose2d: out_channels, kernel_size, stride=1, padding=0, output_padding=0,
    groups=1, bias=True, dilation=1, padding_mode='zeros', DD
LazyConvTranspose3d: out_channels, kernel_size, stride=1, padding=0, output_padding=0,
    groups=1, bias=True, dilation=1, padding_mode='zeros', DD
LazyInstanceNorm1d: eps=1e-05, momentum=0.1, affine=True, track_running_stats=True, DD, *,
    bias=True
LazyInstanceNorm2d: eps=1e-05, momentum=0.1, affine=True, track_running_stats=True, DD, *,
    bias=True
LazyInstanceNorm3d: eps=1e-05, momentum=0.1, affine=True, track_running_stats=True, DD, *,
    bias=True
LazyLinear: out_features, bias=True, DD
LeakyReLU: negative_slope=0.01, inplace=False
Linear: in_features, out_features, bias=True, DD
LocalResponseNorm: size, alpha=0.0001, beta=0.75, k=1.0
LogSoftmax: dim=None
MaxUnpool1d: kernel_size, stride=None, padding=0
MaxUnpool2d: kernel_size, stride=None, padding=0
MaxUnpool3d: kernel_size, stride=None, padding=0
Mish: inplace=False
ModuleDict: modules=None
ModuleList: modules=None
MultiheadAttention: embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
    add_zero_attn=False, kdim=None, vdim=None, batch_first=False, DD
PReLU: num_parameters=1, init=0.25, DD
PairwiseDistance: p=2.0, eps=1e-06, keepdim=False
ParameterDict: parameters=None
ParameterList: values=None
PixelShuffle: upscale_factor
PixelUnshuffle: downscale_factor
RMSNorm: normalized_shape, eps=None, elementwise_affine=True, DD
RReLU: lower=0.125, upper=0.3333333333333333, inplace=False
ReLU: inplace=False
ReLU6: inplace=False
ReflectionPad1d: padding
ReflectionPad2d: padding
ReflectionPad3d: padding
ReplicationPad1d: padding
ReplicationPad2d: padding
ReplicationPad3d: padding
SELU: inplace=False
Sequential: *args
SiLU: inplace=False
Softmax: dim=None
Softmin: dim=None
Softplus: beta=1.0, threshold=20.0
Softshrink: lambd=0.5
SyncBatchNorm: num_features, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True,
    process_group=None, DD, *, bias=True
Threshold: threshold, value, inplace=False
Transformer: d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
    dim_feedforward=2048, dropout=0.1, activation=relu, custom_encoder=None,
    custom_decoder=None, layer_norm_eps=1e-05, batch_first=False, norm_first=False, bias=True,
    DD
TransformerDecoder: decoder_layer, num_layers, norm=None
TransformerDecoderLayer: d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=relu,
    layer_norm_eps=1e-05, batch_first=False, norm_first=False, bias=True, DD
TransformerEncoder: encoder_layer, num_layers, norm=None, enable_nested_tensor=True,
    mask_check=True
TransformerEncoderLayer: d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=relu,
    layer_norm_eps=1e-05, batch_first=False, norm_first=False, bias=True, DD
Unflatten: dim, unflattened_size
Unfold: kernel_size, dilation=1, padding=0, stride=1
Upsample: size=None, scale_factor=None, mode='nearest', align_corners=None,
    recompute_scale_factor=None
UpsamplingBilinear2d: size=None, scale_factor=None
UpsamplingNearest2d: size=None, scale_factor=None
ZeroPad1d: padding
ZeroPad2d: padding
ZeroPad3d: padding
"""

# (class, args, kwargs, 'name:shape ...' in state_dict order; a 0-d shape is written ())
STATE = [
    ('Linear', (3, 4), {},
     'weight:4x3 bias:4'),
    ('Bilinear', (2, 3, 4), {'bias': False},
     'weight:4x2x3'),
    ('Conv2d', (4, 6, (2, 3)), {'groups': 2},
     'weight:6x2x2x3 bias:6'),
    ('ConvTranspose1d', (4, 6, 3), {'groups': 2},
     'weight:4x3x3 bias:6'),
    ('ConvTranspose3d', (2, 3, 2), {'bias': False},
     'weight:2x3x2x2x2'),
    ('BatchNorm2d', (3,), {},
     'weight:3 bias:3 running_mean:3 running_var:3 num_batches_tracked:()'),
    ('BatchNorm1d', (3,), {'affine': False},
     'running_mean:3 running_var:3 num_batches_tracked:()'),
    ('BatchNorm1d', (3,), {'track_running_stats': False},
     'weight:3 bias:3'),
    ('InstanceNorm1d', (3,), {'affine': True, 'track_running_stats': True},
     'weight:3 bias:3 running_mean:3 running_var:3 num_batches_tracked:()'),
    ('InstanceNorm2d', (3,), {},
     ''),
    ('LayerNorm', ((2, 3),), {'bias': False},
     'weight:2x3'),
    ('GroupNorm', (2, 4), {},
     'weight:4 bias:4'),
    ('RMSNorm', (4,), {},
     'weight:4'),
    ('RMSNorm', (4,), {'elementwise_affine': False},
     ''),
    ('PReLU', (3,), {},
     'weight:3'),
    ('Embedding', (5, 2), {},
     'weight:5x2'),
    ('EmbeddingBag', (5, 2), {},
     'weight:5x2'),
    ('MultiheadAttention', (4, 2), {},
     'in_proj_weight:12x4 in_proj_bias:12 out_proj.weight:4x4 out_proj.bias:4'),
    ('MultiheadAttention', (4, 2), {'kdim': 3, 'vdim': 5, 'add_bias_kv': True, 'bias': False},
     'q_proj_weight:4x4 k_proj_weight:4x3 v_proj_weight:4x5 bias_k:1x1x4 bias_v:1x1x4 '
     'out_proj.weight:4x4'),
    ('TransformerEncoderLayer', (4, 2, 8), {},
     'self_attn.in_proj_weight:12x4 self_attn.in_proj_bias:12 self_attn.out_proj.weight:4x4 '
     'self_attn.out_proj.bias:4 linear1.weight:8x4 linear1.bias:8 linear2.weight:4x8 '
     'linear2.bias:4 norm1.weight:4 norm1.bias:4 norm2.weight:4 norm2.bias:4'),
    ('TransformerDecoderLayer', (4, 2, 8), {'bias': False},
     'self_attn.in_proj_weight:12x4 self_attn.out_proj.weight:4x4 '
     'multihead_attn.in_proj_weight:12x4 multihead_attn.out_proj.weight:4x4 linear1.weight:8x4 '
     'linear2.weight:4x8 norm1.weight:4 norm2.weight:4 norm3.weight:4'),
    ('SyncBatchNorm', (2,), {},
     'weight:2 bias:2 running_mean:2 running_var:2 num_batches_tracked:()'),
    ('Transformer', (),
     {'d_model': 4, 'nhead': 2, 'num_encoder_layers': 1, 'num_decoder_layers': 1,
      'dim_feedforward': 8},
     'encoder.layers.0.self_attn.in_proj_weight:12x4 '
     'encoder.layers.0.self_attn.in_proj_bias:12 '
     'encoder.layers.0.self_attn.out_proj.weight:4x4 '
     'encoder.layers.0.self_attn.out_proj.bias:4 encoder.layers.0.linear1.weight:8x4 '
     'encoder.layers.0.linear1.bias:8 encoder.layers.0.linear2.weight:4x8 '
     'encoder.layers.0.linear2.bias:4 encoder.layers.0.norm1.weight:4 '
     'encoder.layers.0.norm1.bias:4 encoder.layers.0.norm2.weight:4 '
     'encoder.layers.0.norm2.bias:4 encoder.norm.weight:4 encoder.norm.bias:4 '
     'decoder.layers.0.self_attn.in_proj_weight:12x4 '
     'decoder.layers.0.self_attn.in_proj_bias:12 '
     'decoder.layers.0.self_attn.out_proj.weight:4x4 '
     'decoder.layers.0.self_attn.out_proj.bias:4 '
     'decoder.layers.0.multihead_attn.in_proj_weight:12x4 '
     'decoder.layers.0.multihead_attn.in_proj_bias:12 '
     'decoder.layers.0.multihead_attn.out_proj.weight:4x4 '
     'decoder.layers.0.multihead_attn.out_proj.bias:4 decoder.layers.0.linear1.weight:8x4 '
     'decoder.layers.0.linear1.bias:8 decoder.layers.0.linear2.weight:4x8 '
     'decoder.layers.0.linear2.bias:4 decoder.layers.0.norm1.weight:4 '
     'decoder.layers.0.norm1.bias:4 decoder.layers.0.norm2.weight:4 '
     'decoder.layers.0.norm2.bias:4 decoder.layers.0.norm3.weight:4 '
     'decoder.layers.0.norm3.bias:4 decoder.norm.weight:4 decoder.norm.bias:4'),
]

# (class, args, kwargs, torch's repr)
REPRS = [
    ('ELU', (), {'alpha': 1}, 'ELU(alpha=1)'),
    ('CELU', (), {'alpha': 2}, 'CELU(alpha=2)'),
    ('Softplus', (), {'beta': 2, 'threshold': 10}, 'Softplus(beta=2, threshold=10)'),
    ('Hardshrink', (), {'lambd': 1}, 'Hardshrink(1)'),
    ('Hardtanh', (), {'min_val': -2, 'max_val': 2}, 'Hardtanh(min_val=-2, max_val=2)'),
    ('Threshold', (), {'threshold': 1, 'value': 2}, 'Threshold(threshold=1, value=2)'),
    ('LeakyReLU', (), {'negative_slope': 1}, 'LeakyReLU(negative_slope=1)'),
    ('LeakyReLU', (0.2, True), {}, 'LeakyReLU(negative_slope=0.2, inplace=True)'),
    ('RReLU', (), {'lower': 0, 'upper': 1}, 'RReLU(lower=0, upper=1)'),
    ('PReLU', (), {'num_parameters': 2, 'init': 1}, 'PReLU(num_parameters=2)'),
    ('LocalResponseNorm', (), {'size': 2, 'alpha': 1, 'beta': 1, 'k': 2},
     'LocalResponseNorm(2, alpha=1, beta=1, k=2)'),
    ('GroupNorm', (1, 2), {'eps': 1}, 'GroupNorm(1, 2, eps=1, affine=True, bias=True)'),
    ('LayerNorm', (2,), {'eps': 1}, 'LayerNorm((2,), eps=1, elementwise_affine=True, bias=True)'),
    ('BatchNorm1d', (2,), {'eps': 1, 'momentum': 1},
     'BatchNorm1d(2, eps=1, momentum=1, affine=True, bias=True, track_running_stats=True)'),
    ('InstanceNorm1d', (2,), {'eps': 1, 'momentum': None},
     'InstanceNorm1d(2, eps=1, momentum=None, affine=False, bias=False, track_running_'
     'stats=False)'),
    ('RMSNorm', (2,), {'eps': 1}, 'RMSNorm((2,), eps=1, elementwise_affine=True)'),
    ('RMSNorm', ([2, 3],), {}, 'RMSNorm((2, 3), eps=None, elementwise_affine=True)'),
    ('Dropout', (), {'p': 0}, 'Dropout(p=0, inplace=False)'),
    ('Dropout2d', (1,), {}, 'Dropout2d(p=1, inplace=False)'),
    ('AlphaDropout', (0.25,), {}, 'AlphaDropout(p=0.25, inplace=False)'),
    ('CosineSimilarity', (), {'dim': 1, 'eps': 1}, 'CosineSimilarity()'),
    ('PairwiseDistance', (), {'p': 2, 'eps': 1}, 'PairwiseDistance()'),
    ('Upsample', (), {'scale_factor': 2}, "Upsample(scale_factor=2.0, mode='nearest')"),
    ('Upsample', (), {'size': (2, 3), 'mode': 'bilinear', 'align_corners': True},
     "Upsample(size=(2, 3), mode='bilinear')"),
    ('ConstantPad2d', (1, 1), {}, 'ConstantPad2d(padding=(1, 1, 1, 1), value=1)'),
    ('ZeroPad2d', ((1, 2, 0, 3),), {}, 'ZeroPad2d((1, 2, 0, 3))'),
    ('ReflectionPad1d', (2,), {}, 'ReflectionPad1d((2, 2))'),
    ('Embedding', (3, 2), {'max_norm': 1, 'norm_type': 2, 'padding_idx': -1},
     'Embedding(3, 2, padding_idx=2, max_norm=1)'),
    ('EmbeddingBag', (3, 2), {'max_norm': 1, 'norm_type': 1, 'mode': 'sum', 'padding_idx': 0},
     "EmbeddingBag(3, 2, max_norm=1, norm_type=1, mode='sum', padding_idx=0)"),
    ('MultiheadAttention', (4, 2), {'kdim': 3},
     'MultiheadAttention(\n'
     '  (out_proj): NonDynamicallyQuantizableLinear(in_features=4, out_features=4, bias=True)\n'
     ')'),
    ('Softmax2d', (), {}, 'Softmax2d()'),
    ('Hardsigmoid', (True,), {}, 'Hardsigmoid()'),
    ('Flatten', (0,), {}, 'Flatten(start_dim=0, end_dim=-1)'),
    ('Unflatten', (1, [2, 3]), {}, 'Unflatten(dim=1, unflattened_size=[2, 3])'),
    ('Unfold', (2,), {'padding': 1}, 'Unfold(kernel_size=2, dilation=1, padding=1, stride=1)'),
    ('Fold', ((4, 5), 2), {},
     'Fold(output_size=(4, 5), kernel_size=2, dilation=1, padding=0, stride=1)'),
    ('ChannelShuffle', (2,), {}, 'ChannelShuffle(groups=2)'),
    ('PixelUnshuffle', (2,), {}, 'PixelUnshuffle(downscale_factor=2)'),
    ('GLU', (0,), {}, 'GLU(dim=0)'),
    ('Softmin', (0,), {}, 'Softmin(dim=0)'),
    ('UpsamplingNearest2d', (), {'scale_factor': 2},
     "UpsamplingNearest2d(scale_factor=2.0, mode='nearest')"),
    ('UpsamplingBilinear2d', (), {'size': 2}, "UpsamplingBilinear2d(size=2, mode='bilinear')"),
    ('Conv1d', (1, 2, 3), {'padding_mode': 'reflect', 'padding': 1, 'dilation': 2, 'bias': False},
     'Conv1d(1, 2, kernel_size=(3,), stride=(1,), padding=(1,), dilation=(2,), bias=Fa'
     'lse, padding_mode=reflect)'),
    ('Conv2d', (2, 4, (2, 3)), {'stride': (1, 2), 'groups': 2, 'padding': (1, 0)},
     'Conv2d(2, 4, kernel_size=(2, 3), stride=(1, 2), padding=(1, 0), groups=2)'),
    ('ConvTranspose2d', (2, 4, 3), {'output_padding': 1, 'stride': 2},
     'ConvTranspose2d(2, 4, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1))'),
    ('LazyLinear', (3,), {'bias': False}, 'LazyLinear(in_features=0, out_features=3, bias=False)'),
    ('LazyConv2d', (3, 2), {}, 'LazyConv2d(0, 3, kernel_size=(2, 2), stride=(1, 1))'),
    ('Bilinear', (1, 2, 3), {},
     'Bilinear(in1_features=1, in2_features=2, out_features=3, bias=True)'),
    ('Linear', (2, 3), {'bias': False}, 'Linear(in_features=2, out_features=3, bias=False)'),
    ('Identity', (3,), {}, 'Identity()'),
    ('TransformerEncoderLayer', (4, 1, 8), {},
     'TransformerEncoderLayer(\n'
     '  (self_attn): MultiheadAttention(\n'
     '    (out_proj): NonDynamicallyQuantizableLinear(in_features=4, out_features=4, b'
     'ias=True)\n'
     '  )\n'
     '  (linear1): Linear(in_features=4, out_features=8, bias=True)\n'
     '  (dropout): Dropout(p=0.1, inplace=False)\n'
     '  (linear2): Linear(in_features=8, out_features=4, bias=True)\n'
     '  (norm1): LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True)\n'
     '  (norm2): LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True)\n'
     '  (dropout1): Dropout(p=0.1, inplace=False)\n'
     '  (dropout2): Dropout(p=0.1, inplace=False)\n'
     ')'),
    ('MaxUnpool2d', (2,), {}, 'MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))'),
]

# (class, args, kwargs, input shapes (or an int64 (0, 2) index), torch's output shape)
ZERO_BATCH = [
    ('Linear', (4, 3), {}, [(0, 4)], (0, 3)),
    ('Bilinear', (3, 4, 2), {}, [(0, 3), (0, 4)], (0, 2)),
    ('Conv1d', (2, 3, 3), {}, [(0, 2, 5)], (0, 3, 3)),
    ('Conv2d', (2, 3, 3), {'padding': 1}, [(0, 2, 5, 5)], (0, 3, 5, 5)),
    ('Conv3d', (2, 3, 2), {}, [(0, 2, 3, 3, 3)], (0, 3, 2, 2, 2)),
    ('ConvTranspose1d', (2, 3, 3), {}, [(0, 2, 5)], (0, 3, 7)),
    ('ConvTranspose2d', (2, 3, 3), {'stride': 2}, [(0, 2, 4, 4)], (0, 3, 9, 9)),
    ('ConvTranspose3d', (2, 3, 2), {}, [(0, 2, 2, 2, 2)], (0, 3, 3, 3, 3)),
    ('LayerNorm', (4,), {}, [(0, 4)], (0, 4)),
    ('GroupNorm', (2, 4), {}, [(0, 4, 3)], (0, 4, 3)),
    ('RMSNorm', (4,), {}, [(0, 4)], (0, 4)),
    ('InstanceNorm1d', (3,), {}, [(0, 3, 5)], (0, 3, 5)),
    ('LocalResponseNorm', (2,), {}, [(0, 3, 4)], (0, 3, 4)),
    ('PReLU', (3,), {}, [(0, 3, 2)], (0, 3, 2)),
    ('GLU', (), {}, [(0, 4)], (0, 2)),
    ('Softmax', (1,), {}, [(0, 3)], (0, 3)),
    ('Softmax2d', (), {}, [(0, 3, 2, 2)], (0, 3, 2, 2)),
    ('Flatten', (), {}, [(0, 3, 4)], (0, 12)),
    ('Unflatten', (1, (2, 2)), {}, [(0, 4)], (0, 2, 2)),
    ('PixelShuffle', (2,), {}, [(0, 8, 2, 2)], (0, 2, 4, 4)),
    ('ChannelShuffle', (2,), {}, [(0, 4, 2, 2)], (0, 4, 2, 2)),
    ('ReflectionPad1d', (1,), {}, [(0, 2, 3)], (0, 2, 5)),
    ('ReplicationPad2d', (1,), {}, [(0, 2, 3, 3)], (0, 2, 5, 5)),
    ('CircularPad1d', (1,), {}, [(0, 2, 3)], (0, 2, 5)),
    ('ConstantPad3d', (1, 2.0), {}, [(0, 1, 2, 2, 2)], (0, 1, 4, 4, 4)),
    ('Upsample', (), {'scale_factor': 2, 'mode': 'bilinear'}, [(0, 2, 3, 3)], (0, 2, 6, 6)),
    ('Unfold', (), {'kernel_size': 2}, [(0, 2, 4, 4)], (0, 8, 9)),
    ('Fold', (), {'output_size': (4, 4), 'kernel_size': 2}, [(0, 8, 9)], (0, 2, 4, 4)),
    ('CosineSimilarity', (), {}, [(0, 4), (0, 4)], (0,)),
    ('PairwiseDistance', (), {}, [(0, 4), (0, 4)], (0,)),
    ('Embedding', (5, 3), {}, 'int(0, 2)', (0, 2, 3)),
    ('MultiheadAttention', (4, 2), {'batch_first': True},
     [(0, 3, 4), (0, 2, 4), (0, 2, 4)], (0, 3, 4)),
    ('TransformerEncoderLayer', (4, 2, 8), {'batch_first': True, 'dropout': 0.0},
     [(0, 3, 4)], (0, 3, 4)),
]
