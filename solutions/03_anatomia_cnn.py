# %% [markdown]
# # 03 · Anatomia de uma CNN
#
# Na aula 02 deste curso você fez a convolução à mão, com NumPy. Agora as mesmas contas
# viram **camadas** do Keras, e as camadas se empilham numa rede convolucional
# (*convolutional neural network*, CNN). Antes de treinar qualquer coisa, vale saber ler
# uma rede: que formato sai de cada camada, quantos parâmetros ela tem e por quê.
#
# Você vai aprender a:
#
# - explicar as duas ideias que tornam a convolução barata: campo receptivo local e
#   compartilhamento de parâmetros, e construir um detector de olhos que os acha em
#   qualquer posição;
# - comparar, em números, uma camada convolucional com uma camada densa equivalente;
# - usar os hiperparâmetros de uma camada convolucional, $K$, $F$, $S$ e $P$, e prever o
#   formato da saída, conferindo com o Keras;
# - montar a pilha típica (convolução → ReLU → *pooling*, repetida, e depois camadas densas
#   com softmax) com `keras.Input` e ler o `model.summary()`;
# - escolher entre `Flatten` e `GlobalMaxPooling2D` e ver o que isso faz com a cabeça densa;
# - contar os parâmetros de cada camada com $(F \cdot F \cdot C_{in} + 1) \cdot K$, até os
#   da VGG16 inteira;
# - ver os mapas de características de um banco de filtros, antes e depois do *pooling*,
#   e medir quanto o *pooling* tolera um deslocamento de um pixel.
#
# Os termos seguem o glossário do curso, que dá também o nome em inglês de cada um:
# [glossário do curso](https://github.com/cnn-curso-ptbr/curso-cnn/blob/main/docs/glossario.md).

# %%
import math

import keras
import numpy as np
import pandas as pd
from keras import layers

from course_utils import config, conv, fmt
from course_utils.checks import ____
from course_utils.diagrams import draw_receptive_field
from course_utils.exercises.lesson03 import describe_stack, ex1, ex2, ex3, ex4, ex5
from course_utils.images import load_sample_image
from course_utils.plots import show_feature_maps, show_images, show_matrix

config.set_seed(42)
to_numpy = keras.ops.convert_to_numpy  # tensor do Keras -> array NumPy
print(config.fast_mode_line())

# %% [markdown]
# ## Duas ideias: campo receptivo local e compartilhamento de parâmetros
#
# Numa camada densa (*Dense*), cada neurônio da saída olha para **todos** os números da
# entrada. Numa camada convolucional, cada número da saída olha só para uma janelinha
# $F \times F$ da entrada: o seu **campo receptivo local** (*local receptive field*).
# Pixels vizinhos têm muito a ver uns com os outros; pixels distantes, pouco. Detalhes
# locais (bordas, cantos) são combinados depois, nas camadas seguintes, em padrões cada vez
# maiores.
#
# Vamos ver isso mexendo em **um** pixel de uma imagem 8×8 e contando quantas saídas
# mudam, numa convolução 3×3 e numa camada densa com o mesmo número de saídas. Os pesos das
# duas camadas são aleatórios; para esta pergunta, tanto faz.

# %%
rng = np.random.default_rng(0)
x = rng.random((1, 8, 8, 1)).astype("float32")  # (lote, altura, largura, canais)
x_poked = x.copy()
x_poked[0, 3, 4, 0] += 1.0  # muda só o pixel (3, 4)

conv_layer = layers.Conv2D(1, 3, padding="same")
dense_layer = layers.Dense(64)  # 64 saídas, tantas quanto o mapa 8×8

conv_changed = to_numpy(conv_layer(x_poked)) != to_numpy(conv_layer(x))
dense_changed = (to_numpy(dense_layer(x_poked.reshape(1, -1)))
                 != to_numpy(dense_layer(x.reshape(1, -1))))
print("convolução: mudaram", conv_changed.sum(), "de", conv_changed.size, "saídas")
print("densa:      mudaram", dense_changed.sum(), "de", dense_changed.size, "saídas")
show_matrix(conv_changed[0, :, :, 0].astype(int), title="Saídas da convolução que mudaram");

# %% [markdown]
# Na convolução, só mudaram as saídas cujas janelas 3×3 contêm o pixel $(3, 4)$: o bloco
# de uns em volta dele. Na camada densa, mudou tudo.
#
# A segunda ideia é o **compartilhamento de parâmetros** (*parameter sharing*): o mesmo
# filtro, com os mesmos pesos, percorre a imagem inteira. Um detector aprendido num canto
# funciona em qualquer outro lugar. As duas ideias numa figura: à esquerda, duas saídas de
# uma convolução 3×3, cada uma ligada só à sua janela e ambas calculadas com os mesmos 9
# pesos; à direita, uma saída de uma camada densa, ligada a todos os pixels por pesos só
# dela.

# %%
draw_receptive_field(size=8, f=3);

# %% [markdown]
#
# ### Um detector de olhos
#
# A aula opcional sobre camadas convolucionais (ver as Fontes no fim) desenha imagens com
# pixels $+1$ (tinta) e $-1$ (fundo) e mostra um filtro que detecta olhos, onde quer que
# eles estejam. Vamos construí-lo. O "olho" é um anel com uma pupila no meio; o filtro é o
# próprio desenho do olho, dividido pelo número de pixels, 25. Onde a janela 5×5 coincide
# com um olho, cada produto vale $(+1)(+1)$ ou $(-1)(-1)$, e a resposta é exatamente 1;
# em qualquer outro lugar, algum pixel discorda e a resposta é menor.

# %%
eye = np.array([
    [-1, 1, 1, 1, -1],
    [1, -1, -1, -1, 1],
    [1, -1, 1, -1, 1],  # a pupila é o +1 do centro
    [1, -1, -1, -1, 1],
    [-1, 1, 1, 1, -1],
], dtype="float32")
ring = np.where(np.pad(np.ones((3, 3)), 1) == 0, 1, -1).astype("float32")  # anel sem pupila

scene = -np.ones((20, 32), dtype="float32")  # fundo: -1
for top, left in [(2, 2), (11, 17)]:  # dois rostos, em lugares diferentes
    scene[top:top + 5, left:left + 5] = eye  # olho esquerdo
    scene[top:top + 5, left + 7:left + 12] = eye  # olho direito
    scene[top + 7, left + 2:left + 10] = 1  # boca
scene[3:8, 24:29] = ring  # um "0": parecido com um olho, mas sem pupila

eye_detector = layers.Conv2D(1, 5, padding="same", use_bias=False)
eye_detector.build((None, *scene.shape, 1))
eye_detector.set_weights([(eye / eye.size)[:, :, None, None]])  # kernel (F, F, C_in, K)
eye_map = to_numpy(eye_detector(scene[None, :, :, None]))[0, :, :, 0]

peaks = np.argwhere(np.isclose(eye_map, 1))
print(f"maior resposta: {fmt.num(eye_map.max(), 2)}")
print("onde ela vale 1:", [tuple(int(v) for v in p) for p in peaks])
print(f"resposta no centro do anel sem pupila: {fmt.num(eye_map[5, 26], 2)}")
show_images([scene, eye_map, np.maximum(eye_map - 0.9, 0)],
            titles=["Imagem (+1 tinta, −1 fundo)", "Resposta do detector de olhos",
                    "Só o que passa de 0,9"], ncols=3, figsize=(12, 3.2));

# %% [markdown]
# A resposta vale 1 em quatro lugares, exatamente nos centros dos quatro olhos (com
# `padding="same"`, a saída $(i, j)$ é a janela centrada no pixel $(i, j)$). O anel sem
# pupila fica em 0,6: cinco pixels discordam (os quatro cantos e o centro). Um único
# filtro, com um único conjunto de 25 pesos, achou os olhos dos dois rostos: é isso que o
# compartilhamento de parâmetros dá. Numa rede treinada ninguém desenha os filtros à mão;
# o treino encontra os padrões que ajudam a acertar, e o compartilhamento faz cada um
# valer em qualquer posição.

# %% [markdown]
# ## Quanto se economiza com a convolução
#
# O relatório de Jefferson Korte Junior para o bootcamp LAMIA (ver as Fontes) faz uma conta
# que mostra o tamanho da economia. A entrada é uma
# imagem 32×32×3; a camada convolucional tem 64 filtros 5×5 (cada um com profundidade 3) e,
# para simplificar, sem viés (*bias*). Em Keras, `use_bias=False`:

# %%
conv64 = layers.Conv2D(64, 5, use_bias=False)
conv_out_shape = tuple(conv64(keras.Input((32, 32, 3))).shape[1:])
conv_weights = conv64.count_params()
print("formato da saída:", conv_out_shape)
print("formato do kernel:", tuple(conv64.kernel.shape))
print("pesos da convolução:", conv_weights)

# %% [markdown]
# Uma camada densa que ligasse a mesma entrada à mesma saída trataria as duas como vetores:
# a entrada achatada tem $32 \cdot 32 \cdot 3$ números, a saída $28 \cdot 28 \cdot 64$, e
# cada par (entrada, saída) teria o seu peso. Construir essa camada no Keras alocaria
# centenas de megabytes só para contar, então primeiro conferimos a regra
# "pesos = entradas × saídas" numa versão pequena (imagem 8×8×3, 4 filtros), onde o Keras
# consegue construir a camada densa:

# %%
def dense_weights(in_shape, out_shape):
    """Pesos (sem viés) de uma camada densa que liga in_shape a out_shape, achatados."""
    return math.prod(in_shape) * math.prod(out_shape)


small_out = layers.Conv2D(4, 5).compute_output_shape((None, 8, 8, 3))[1:]
small_dense = layers.Dense(math.prod(small_out), use_bias=False)
small_dense.build((None, 8 * 8 * 3))
print("saída da convolução pequena:", small_out)
print("Keras:", small_dense.count_params(), " regra:", dense_weights((8, 8, 3), small_out))

# %% [markdown]
# A regra confere. Agora o tamanho real, só com a conta:

# %%
n_in = math.prod((32, 32, 3))
n_out = math.prod(conv_out_shape)
big_dense = dense_weights((32, 32, 3), conv_out_shape)
print(f"entrada achatada: {fmt.num(n_in)}   saída achatada: {fmt.num(n_out)}")
print(f"pesos da camada densa: {fmt.num(big_dense)}")
print(f"memória só para esses pesos em float32: {fmt.num(big_dense * 4 / 1e6, 0)} MB")
print(f"pesos da convolução: {fmt.num(conv_weights)}")
print(f"razão densa / convolução: {fmt.num(big_dense / conv_weights, 2)}")

# %% [markdown]
# O relatório arredonda a razão para "32 mil vezes"; a conta exata está acima. De onde vem
# um número tão grande? Ele é o produto das duas ideias da seção anterior:
#
# - **campo local**: cada saída da camada densa olha para todos os números da entrada;
#   a da convolução, só para uma janela $5 \times 5 \times 3$;
# - **compartilhamento**: a densa tem pesos diferentes para cada posição da saída; a
#   convolução usa os mesmos em todas as $28 \times 28$ posições.

# %%
window = 5 * 5 * 3
positions = conv_out_shape[0] * conv_out_shape[1]
print(f"campo local: {n_in} / {window} = {fmt.num(n_in / window, 2)}")
print(f"compartilhamento: {positions} posições")
print(f"produto: {fmt.num(n_in / window * positions, 2)}")

# %% [markdown]
# ## Os hiperparâmetros de uma camada convolucional
#
# Quatro números definem uma camada convolucional (slides de Saulo Oliveira, IFCE):
#
# - $K$, o número de filtros, que é a profundidade da saída;
# - $F$, o tamanho de cada filtro ($F \times F$, e a profundidade é a da entrada);
# - $S$, o passo (*stride*);
# - $P$, o preenchimento (*padding*) com zeros em volta da entrada.
#
# Para uma entrada $W_1 \times H_1 \times D_1$, a saída tem
#
# $$W_2 = \frac{W_1 - F + 2P}{S} + 1, \qquad H_2 = \frac{H_1 - F + 2P}{S} + 1, \qquad D_2 = K.$$
#
# Na aula 02 você conferiu essa fórmula com a sua convolução em NumPy. Aqui quem confere é o
# Keras. Como `Conv2D` não recebe um $P$ numérico, pomos uma camada `ZeroPadding2D(P)`
# antes dela; o formato da saída do modelo (`model.output_shape`) vem do Keras, e o da
# fórmula de `conv.output_size`.

# %%
K = 8
rows = []
for W1, F, S, P in [(32, 5, 1, 0), (32, 5, 1, 2), (28, 3, 1, 1), (227, 11, 4, 0),
                    (63, 3, 2, 1), (96, 3, 3, 0)]:
    padded = keras.Sequential([
        keras.Input((W1, W1, 3)),
        layers.ZeroPadding2D(P),
        layers.Conv2D(K, F, strides=S),
    ])
    rows.append({"W1": W1, "F": F, "S": S, "P": P,
                 "W2 (fórmula)": conv.output_size(W1, F, S, P),
                 "W2 (Keras)": padded.output_shape[1],
                 "D2 (Keras)": padded.output_shape[3]})
shapes_table = pd.DataFrame(rows)
shapes_table

# %%
print("a fórmula acerta todas?",
      (shapes_table["W2 (fórmula)"] == shapes_table["W2 (Keras)"]).all())
print("D2 = K em todas?", (shapes_table["D2 (Keras)"] == K).all())

# %% [markdown]
# ### "valid" e "same" no Keras
#
# Na prática você escolhe `padding="valid"` ($P = 0$) ou `padding="same"` (zeros
# suficientes para a saída ter $\lceil W_1 / S \rceil$ posições). Com `"valid"`, quando a
# divisão não é exata, o Keras arredonda para baixo: a saída tem
# $\lfloor (W_1 - F)/S \rfloor + 1$ posições. O método `compute_output_shape` de uma camada
# responde sem precisar de dados:

# %%
for W1, F, S in [(28, 3, 1), (28, 5, 1), (28, 3, 2), (7, 3, 2)]:
    shape_in = (None, W1, W1, 1)
    valid = layers.Conv2D(1, F, strides=S, padding="valid").compute_output_shape(shape_in)[1]
    same = layers.Conv2D(1, F, strides=S, padding="same").compute_output_shape(shape_in)[1]
    print(f"W1={W1:2d}, F={F}, S={S}: valid {valid:2d} (fórmula {(W1 - F) // S + 1:2d})   "
          f"same {same:2d} (⌈W1/S⌉ = {math.ceil(W1 / S):2d})")

# %% [markdown]
# ### Seis filtros, seis mapas
#
# O exemplo da aula de Ana Raquel (FIAP): uma imagem 32×32×3 passa por 6 filtros 5×5. Cada
# filtro tem formato $5 \times 5 \times 3$ (ele atravessa os três canais) e produz **um**
# mapa de características; os 6 mapas, empilhados, formam a saída. (A aula da FIAP diz que
# a imagem "fica" com 5×5×3; na verdade esse é o formato de cada filtro, e a saída é a que a
# célula abaixo mostra.)

# %%
inputs = keras.Input((32, 32, 3))
six_filters = layers.Conv2D(6, 5, name="seis_filtros")
six_maps = six_filters(inputs)
print("formato da saída:", tuple(six_maps.shape[1:]))
print("kernel (F, F, C_in, K):", tuple(six_filters.kernel.shape),
      " vieses:", tuple(six_filters.bias.shape))

# %% [markdown]
# Com um recorte 32×32 da foto da aula 02 na entrada, eis os 6 mapas. Os filtros ainda são
# aleatórios (ninguém treinou a camada), então os mapas são versões borradas ou
# contrastadas da foto; depois do treino, cada filtro vira um detector de algum padrão.

# %%
crop = load_sample_image()[100:132, 230:262].astype("float32") / 255  # 32×32×3
show_feature_maps(keras.Model(inputs, six_maps), "seis_filtros", crop);

# %% [markdown]
# ## ReLU e *pooling* como camadas
#
# Depois da convolução vem a ativação, quase sempre a ReLU, $\max(0, z)$. No Keras você
# pode escrevê-la dentro da convolução (`activation="relu"`) ou como camada separada
# (`layers.ReLU()`): é a mesma conta. Conferimos com os mesmos pesos nas duas versões:

# %%
batch = rng.standard_normal((1, 10, 10, 3)).astype("float32")
conv_plain = layers.Conv2D(4, 3)
conv_with_relu = layers.Conv2D(4, 3, activation="relu")
conv_plain.build(batch.shape)
conv_with_relu.build(batch.shape)
conv_with_relu.set_weights(conv_plain.get_weights())

relu_maps = to_numpy(conv_with_relu(batch))
print("iguais?", np.allclose(to_numpy(layers.ReLU()(conv_plain(batch))), relu_maps))
print(f"fração de zeros depois da ReLU: {fmt.num((relu_maps == 0).mean(), 2)}")

# %% [markdown]
# O *pooling* resume janelas: `MaxPooling2D` fica com o maior valor, `AveragePooling2D` com
# a média. Ele age em **cada canal separadamente**: a altura e a largura encolhem, a
# profundidade fica. E não tem nada para aprender: zero parâmetros. A camada do Keras dá o
# mesmo que `conv.pool2d`, da aula 02, aplicado ao mapa inteiro:

# %%
for pool, mode in [(layers.MaxPooling2D(2), "max"), (layers.AveragePooling2D(2), "avg")]:
    pooled = to_numpy(pool(relu_maps))
    print(f"{type(pool).__name__:17s} {relu_maps.shape[1:]} -> {pooled.shape[1:]}, "
          f"parâmetros: {pool.count_params()}, "
          f"igual ao conv.pool2d? {np.allclose(pooled[0], conv.pool2d(relu_maps[0], 2, 2, mode))}")

# %% [markdown]
# ## Vendo os mapas de características
#
# Para enxergar o que cada camada faz, montamos uma mini-rede convolução → ReLU → *pooling*
# sobre a foto em tons de cinza (um recorte da cabeça e dos ombros), com um banco de 4
# filtros 3×3 escolhidos à mão e colocados na camada com `set_weights`: bordas verticais e
# horizontais (Sobel, da aula 02), bordas diagonais e um desfoque (média 3×3).

# %%
photo = load_sample_image(gray=True)[40:424, 64:448].astype("float32") / 255  # 384×384
sobel_x = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype="float32")
bank = {
    "borda vertical (Sobel x)": sobel_x,
    "borda horizontal (Sobel y)": sobel_x.T,
    "borda diagonal": np.array([[0, 1, 2], [-1, 0, 1], [-2, -1, 0]], dtype="float32"),
    "desfoque (média 3×3)": np.full((3, 3), 1 / 9, dtype="float32"),
}
kernels = np.stack(list(bank.values()), axis=-1)[:, :, None, :]  # (3, 3, 1, 4)
print("kernels:", kernels.shape)
for k, name in enumerate(bank):
    print(f"mapa {k}: {name}")

# %% [markdown]
# Usamos *pooling* 4×4 (e não o 2×2 de costume) só para a redução ficar visível na figura.
# O modelo tem duas saídas, uma para cada tipo de *pooling*.

# %%
viewer_in = keras.Input(shape=photo.shape + (1,))
filter_layer = layers.Conv2D(4, 3, padding="same", use_bias=False, name="filtros")
maps = filter_layer(viewer_in)
rectified = layers.ReLU(name="relu")(maps)
max_pooled = layers.MaxPooling2D(4, name="max_pooling")(rectified)
avg_pooled = layers.AveragePooling2D(4, name="avg_pooling")(rectified)
viewer = keras.Model(viewer_in, [max_pooled, avg_pooled])
filter_layer.set_weights([kernels])

keras_maps = to_numpy(keras.Model(viewer_in, maps)(photo[None, :, :, None]))[0]
print("foto:", photo.shape, "-> mapas:", keras_maps.shape)
print("iguais ao conv.conv2d da aula 02?",
      np.allclose(keras_maps, conv.conv2d(photo, kernels, padding="same"), atol=1e-5))

# %%
show_feature_maps(viewer, "filtros", photo);

# %% [markdown]
# Cada mapa é uma "foto" do que o seu filtro encontrou: os contornos verticais do rosto e
# da gola no mapa 0; a aba do quepe, os óculos e a boca, que são horizontais, no mapa 1;
# bordas inclinadas no 2; e no 3 a própria foto, suavizada. Nos três detectores de bordas o
# cinza médio é zero, e metade das bordas sai negativa (as que vão do escuro para o claro).
# A ReLU zera os negativos e sobra só o que cada detector achou, em branco sobre preto:

# %%
show_feature_maps(viewer, "relu", photo);

# %% [markdown]
# Depois do *pooling*, cada mapa tem um quarto da altura e da largura (e um dezesseis avos
# dos números). O *max pooling* guarda os picos: as bordas continuam lá, mais grossas. O
# *average pooling* mistura os picos com os vizinhos e as bordas esmaecem: compare as duas
# versões do mapa 1 na segunda figura, desenhadas na mesma escala.

# %%
max_maps, avg_maps = (to_numpy(t)[0] for t in viewer(photo[None, :, :, None]))
print("depois da ReLU:", keras_maps.shape, "-> depois do pooling:", max_maps.shape)
show_feature_maps(viewer, "max_pooling", photo);

# %%
# mesma escala nas duas: valores cortados em 1 (branco)
show_images([np.minimum(max_maps[:, :, 1], 1), np.minimum(avg_maps[:, :, 1], 1)],
            titles=["Max pooling 4×4 (mapa 1)", "Average pooling 4×4 (mapa 1)"],
            ncols=2, figsize=(8, 4.5));

# %% [markdown]
# ### O *pooling* tolera pequenos deslocamentos
#
# Desloque a foto **um pixel** para a direita. Para uma pessoa é a mesma foto; para os
# mapas, quase todo número muda, porque cada borda caiu na coluna vizinha. Depois de um
# *max pooling*, o maior valor de uma janela continua sendo o mesmo enquanto o pico não
# sai da janela: boa parte da mudança some. Medimos a mudança relativa média,
# $\overline{|a - b|} / \overline{|a|}$, entre os mapas da foto original ($a$) e da
# deslocada ($b$), antes e depois do *pooling*, deixando de fora as 8 colunas de cada
# borda (onde o deslocamento traz pixels do outro lado da foto):

# %%
after_relu = keras.Model(viewer_in, rectified)
moved = np.roll(photo, 1, axis=1)  # cada linha anda uma coluna para a direita
a, b = (to_numpy(after_relu(img[None, :, :, None]))[:, :, 8:-8] for img in (photo, moved))


def relative_change(a, b):
    """Mudança relativa média entre dois mapas: média de |a - b| dividida pela média de |a|."""
    return np.abs(a - b).mean() / np.abs(a).mean()


shift_rows = [{"etapa": "mapas depois da ReLU", "mudança relativa": relative_change(a, b)}]
for size in (2, 4):
    pool = layers.MaxPooling2D(size)
    shift_rows.append({"etapa": f"depois de max pooling {size}×{size}",
                       "mudança relativa": relative_change(to_numpy(pool(a)), to_numpy(pool(b)))})
shift_table = pd.DataFrame(shift_rows)
shift_table["mudança relativa"] = [fmt.num(v, 2) for v in shift_table["mudança relativa"]]
shift_table

# %% [markdown]
# Quanto maior a janela, menos um deslocamento de um pixel muda a saída. É uma tolerância,
# não uma imunidade: um pico na beira de uma janela passa para a janela vizinha, e a mudança
# acima não chegou a zero. Empilhar camadas de *pooling* torna a rede menos sensível à
# posição exata de um detalhe, mas não a torna invariante: redes reais, com passos e
# *pooling*, às vezes mudam de resposta quando a imagem anda um único pixel (Azulay e
# Weiss, 2019; Zhang, 2019). Que um "7" um pouco mais à esquerda continue sendo um "7" vem
# dessa tolerância **e** de o treino ter visto dígitos em posições variadas; a aula 09
# (aumento de dados) mostra como fabricar essas variações.

# %% [markdown]
# ## Do mapa ao vetor: `Flatten` ou `GlobalMaxPooling2D`
#
# As camadas densas do fim da rede recebem um **vetor**, mas a última convolução entrega um
# tensor $H \times W \times C$. Há duas pontes comuns (as do relatório do bootcamp LAMIA):
#
# - `Flatten` enfileira todos os números: um vetor de $H \cdot W \cdot C$;
# - `GlobalMaxPooling2D` fica com o **máximo de cada canal**: um vetor de $C$. Ele responde
#   "este padrão apareceu em algum lugar?" e descarta onde.

# %%
feature_map = rng.random((1, 4, 4, 128)).astype("float32")
flat = to_numpy(layers.Flatten()(feature_map))
gmp = to_numpy(layers.GlobalMaxPooling2D()(feature_map))
print("mapa:", feature_map.shape[1:], " Flatten:", flat.shape[1:],
      " GlobalMaxPooling2D:", gmp.shape[1:])
print("GlobalMaxPooling2D = máximo sobre altura e largura?",
      np.allclose(gmp, feature_map.max(axis=(1, 2))))

# %% [markdown]
# A escolha muda o tamanho da camada densa que vem depois. Com uma camada `Dense(10)` depois
# de cada ponte:

# %%
for bridge in [layers.Flatten(), layers.GlobalMaxPooling2D()]:
    head = layers.Dense(10)
    keras.Sequential([keras.Input((4, 4, 128)), bridge, head])
    print(f"{type(bridge).__name__:18s} vetor de {fmt.num(bridge.output.shape[1]):>5} -> "
          f"Dense(10) com {fmt.num(head.count_params()):>6} parâmetros")

# %% [markdown]
# Há mais uma consequência: com `GlobalMaxPooling2D` o vetor tem sempre $C$ números, seja
# qual for o tamanho da imagem, então a mesma rede aceita imagens de tamanhos diferentes
# (`keras.Input((None, None, 3))`). Com `Flatten` o tamanho do vetor depende da imagem, e a
# camada densa não consegue nem ser criada:

# %%
any_size = keras.Input((None, None, 3))
features = layers.Conv2D(8, 3, activation="relu")(any_size)
probs = layers.Dense(10, activation="softmax")(layers.GlobalMaxPooling2D()(features))
flexible = keras.Model(any_size, probs)
for size in [(32, 32), (48, 64)]:
    print(f"imagem {size}: saída {tuple(flexible(np.zeros((1, *size, 3), 'float32')).shape)}")

try:
    layers.Dense(10)(layers.Flatten()(features))
except ValueError as error:
    print("com Flatten:", type(error).__name__, "-", str(error)[:90], "...")

# %% [markdown]
# `Flatten` guarda a posição de tudo, e isso às vezes importa; com `GlobalMaxPooling2D` a
# cabeça tem muito menos parâmetros e tolera deslocamentos. As duas aparecem em redes reais.
#
# ## A cabeça: camadas densas e softmax
#
# A parte final da rede é um classificador comum, feito das peças da seção 6 da aula 01:
# uma ou mais camadas densas (totalmente conectadas, *fully connected*) e uma última com um
# neurônio por classe e ativação softmax (como nos slides do IFCE):
#
# $$\mathrm{softmax}(z)_i = \frac{e^{z_i}}{\sum_j e^{z_j}}$$
#
# Ela transforma as pontuações $z$ (*logits*) em probabilidades: todas positivas, somando 1,
# na mesma ordem das pontuações.

# %%
logits = np.array([2.0, 1.0, 0.1, -1.0], dtype="float32")
by_hand = np.exp(logits) / np.exp(logits).sum()
print("softmax à mão:", by_hand.round(4), " soma:", by_hand.sum())
print("igual ao Keras?", np.allclose(by_hand, to_numpy(keras.activations.softmax(logits))))
print("classe prevista (maior probabilidade):", by_hand.argmax())

# %% [markdown]
# ## A pilha típica
#
# Juntando tudo: blocos convolução + ReLU → *pooling*, repetidos, com cada vez mais filtros;
# depois `Flatten` e a cabeça densa (como na aula da FIAP e no relatório do bootcamp LAMIA).
# A entrada é 32×32×3, como uma imagem do CIFAR-10, e são 10 classes. Começamos por
# `keras.Input`, então o Keras conhece o formato de cada camada antes de ver qualquer dado.

# %%
inputs = keras.Input(shape=(32, 32, 3), name="entrada")
x = layers.Conv2D(32, 3, padding="same", activation="relu", name="conv1")(inputs)
x = layers.MaxPooling2D(2, name="pool1")(x)
x = layers.Conv2D(64, 3, padding="same", activation="relu", name="conv2")(x)
x = layers.MaxPooling2D(2, name="pool2")(x)
x = layers.Conv2D(128, 3, padding="same", activation="relu", name="conv3")(x)
x = layers.MaxPooling2D(2, name="pool3")(x)
x = layers.Flatten(name="flatten")(x)
x = layers.Dense(128, activation="relu", name="fc")(x)
outputs = layers.Dense(10, activation="softmax", name="softmax")(x)
model = keras.Model(inputs, outputs, name="cnn_tipica")
model.summary()

# %% [markdown]
# Leia a coluna *Output Shape* de cima para baixo: a cada bloco a imagem fica menor e mais
# funda (mais canais), até virar um vetor. O *pooling* divide altura e largura por 2;
# `padding="same"` faz a convolução não mexer nelas.

# %%
for name in ["conv1", "conv2", "conv3"]:
    shape = model.get_layer(name).output.shape[1:]
    print(f"{name}: {shape[0]}×{shape[1]} posições, {shape[2]} canais")

# %% [markdown]
# ### Exercício 1 · Formatos de uma pilha
#
# Abaixo está a descrição de outra pilha. Escreva o formato da saída de cada camada, sem o
# eixo do lote: `(altura, largura, canais)` para as convolucionais e de *pooling*, `(n,)`
# para as outras. Faça as contas com a fórmula (cuidado com o passo 2 e com as divisões que
# não são exatas); se quiser, confira depois construindo o modelo.

# %%
print(describe_stack())

# %%
# BEGIN SOLUTION ex1
stack_shapes = [
    (63, 63, 16),  # 'valid': (67 − 5)/1 + 1 = 63; 16 filtros
    (31, 31, 16),  # pooling 2×2: 63/2 = 31,5, arredonda para baixo; os canais ficam
    (31, 31, 32),  # 'same', passo 1: mesmo tamanho; 32 filtros
    (16, 16, 32),  # 'same', passo 2: ⌈31/2⌉ = 16
    (7, 7, 64),  # 'valid', passo 2: (16 − 3)/2 + 1 = 7,5, arredonda para baixo
    (3136,),  # 7 · 7 · 64
    (10,),  # 10 neurônios
]
# END SOLUTION
ex1.check(stack_shapes)

# %%
# ex1.hint()
# ex1.solution()

# %% [markdown]
# ## Contando parâmetros
#
# Cada filtro de uma camada convolucional tem $F \cdot F \cdot C_{in}$ pesos (ele atravessa
# os $C_{in}$ canais da entrada) e um viés. Com $K$ filtros:
#
# $$\text{parâmetros} = (F \cdot F \cdot C_{in} + 1) \cdot K$$
#
# Repare no que **não** aparece: o tamanho da imagem. Os mesmos pesos servem para qualquer
# posição (compartilhamento). Numa camada densa com $n_{in}$ entradas e $n_{out}$ neurônios
# são $(n_{in} + 1) \cdot n_{out}$. ReLU, *pooling* e `Flatten` não têm parâmetros.
#
# ### Exercício 2 · Parâmetros de uma `Conv2D`
#
# Complete a função. Com `use_bias=False` a camada não tem vieses. O `check` compara a sua
# função com o `count_params()` de camadas `Conv2D` construídas pelo Keras.


# %%
def conv_params(F, C_in, K, use_bias=True):
    """Número de parâmetros de uma Conv2D(K, F) sobre uma entrada com C_in canais."""
    # BEGIN SOLUTION ex2
    return (F * F * C_in + use_bias) * K
    # END SOLUTION


ex2.check(conv_params)

# %%
# ex2.hint()
# ex2.solution()

# %% [markdown]
# Agora a conta camada a camada, para qualquer modelo. A função abaixo aplica as fórmulas a
# partir dos hiperparâmetros da camada e do formato da **entrada** dela (`camada.input`),
# sem olhar para os pesos; comparamos com o `count_params()` do Keras.


# %%
def formula_params(layer):
    """Parâmetros de uma camada pela fórmula: Conv2D, Dense; as outras têm 0."""
    if isinstance(layer, layers.Conv2D):
        F_h, F_w = layer.kernel_size
        C_in = layer.input.shape[-1]
        return (F_h * F_w * C_in + layer.use_bias) * layer.filters
    if isinstance(layer, layers.Dense):
        return (layer.input.shape[-1] + layer.use_bias) * layer.units
    return 0


def params_table(model):
    """Uma linha por camada: nome, tipo, formato da saída, parâmetros (Keras e fórmula)."""
    return pd.DataFrame([
        {
            "camada": layer.name,
            "tipo": type(layer).__name__,
            "saída": tuple(layer.output.shape[1:]),
            "parâmetros (Keras)": layer.count_params(),
            "parâmetros (fórmula)": formula_params(layer),
        }
        for layer in model.layers
    ])


typical_table = params_table(model)
typical_table

# %%
print("a fórmula confere em todas as camadas?",
      (typical_table["parâmetros (Keras)"] == typical_table["parâmetros (fórmula)"]).all())
print("soma da tabela:", typical_table["parâmetros (Keras)"].sum(),
      " model.count_params():", model.count_params())
print("a conta do relatório (64 filtros 5×5 sobre 3 canais, sem viés):", formula_params(conv64))

# %% [markdown]
# Na rede típica, quem tem mais parâmetros é a camada `fc`, logo depois do `Flatten`, e
# não as convolucionais:

# %%
biggest = typical_table.loc[typical_table["parâmetros (Keras)"].idxmax()]
share = biggest["parâmetros (Keras)"] / model.count_params()
print(f"maior camada: {biggest['camada']} ({fmt.num(biggest['parâmetros (Keras)'])} parâmetros, "
      f"{fmt.pct(share, 0)} do modelo)")

# %% [markdown]
# ### Exercício 3 · Parâmetros de cada camada
#
# Volte à pilha do exercício 1. Escreva uma lista com o número de parâmetros de cada camada,
# na ordem. Use as profundidades que você achou no exercício 1 como $C_{in}$.

# %%
# BEGIN SOLUTION ex3
stack_params = [
    (5 * 5 * 3 + 1) * 16,  # a imagem tem 3 canais
    0,  # pooling
    (3 * 3 * 16 + 1) * 32,  # C_in = 16, a profundidade da camada anterior
    (3 * 3 * 32 + 1) * 32,
    (3 * 3 * 32 + 1) * 64,
    0,  # Flatten
    (7 * 7 * 64 + 1) * 10,  # (entradas + 1) × neurônios
]
# END SOLUTION
ex3.check(stack_params)

# %%
# ex3.hint()
# ex3.solution()

# %% [markdown]
# ### Exercício 4 · `Flatten` ou `GlobalMaxPooling2D`?
#
# A última convolução de uma rede entrega um mapa 6×6×256, e a cabeça é uma `Dense(100)`.
# Quantos parâmetros tem essa camada densa se a ponte for `Flatten` (`dense_flatten`) e se
# for `GlobalMaxPooling2D` (`dense_gmp`)?

# %%
# BEGIN SOLUTION ex4
dense_flatten = (6 * 6 * 256 + 1) * 100  # o vetor tem H·W·C números
dense_gmp = (256 + 1) * 100  # um máximo por canal
# END SOLUTION
ex4.check((dense_flatten, dense_gmp))

# %%
# ex4.hint()
# ex4.solution()

# %% [markdown]
# ## A VGG16, camada por camada
#
# A VGG16 (Simonyan e Zisserman, 2014) é a pilha típica levada longe: só convoluções 3×3
# com `padding="same"`, em blocos separados por *max pooling* 2×2, e camadas densas no fim.
# O Keras a constrói com `keras.applications.VGG16`; com `weights=None` os pesos são
# aleatórios e nada é baixado. (São alguns segundos e algumas centenas de megabytes de
# memória: ela é grande, como você vai ver.)

# %%
vgg = keras.applications.VGG16(weights=None)
vgg_table = params_table(vgg)
vgg_table

# %%
counts = vgg_table["tipo"].value_counts()
print("entrada:", vgg.input_shape[1:])
print("camadas Conv2D:", counts["Conv2D"], " Dense:", counts["Dense"],
      " total com pesos:", counts["Conv2D"] + counts["Dense"])
print("a fórmula confere em todas as camadas?",
      (vgg_table["parâmetros (Keras)"] == vgg_table["parâmetros (fórmula)"]).all())

# %% [markdown]
# As camadas com pesos somam os 16 do nome. A fórmula acerta todas as camadas, então o
# total do Keras é a soma certa:

# %%
vgg_total = vgg.count_params()
LECTURE_TOTAL = 138_423_208  # o total impresso na tabela dos slides do IFCE
print(f"total do Keras (model.count_params()): {fmt.num(vgg_total)}")
print(f"soma da tabela:                        {fmt.num(vgg_table['parâmetros (Keras)'].sum())}")
print(f"total impresso nos slides do IFCE:     {fmt.num(LECTURE_TOTAL)}")
print(f"diferença (slides − Keras):            {fmt.num(LECTURE_TOTAL - vgg_total)}")

# %% [markdown]
# **Uma correção aos slides do IFCE.** A tabela da VGG16 nos slides termina com "Total
# 138,423,208". O total verdadeiro é o do Keras, que também é o da configuração D do
# artigo original; a diferença está na célula acima. Como cada linha da nossa tabela foi
# conferida pela fórmula, o número certo é o nosso.
#
# ### Exercício 5 · Onde estão os parâmetros?
#
# Escreva uma função que recebe um modelo do Keras e devolve a **fração** (entre 0 e 1) dos
# seus parâmetros que está em camadas `Dense`. O `check` testa a sua função em modelos
# pequenos, diferentes entre si, e as camadas deles podem ter qualquer nome (como na VGG16,
# em que as densas se chamam `fc1`, `fc2` e `predictions`).


# %%
def dense_share(model):
    """Fração dos parâmetros de model que está em camadas Dense."""
    # BEGIN SOLUTION ex5
    dense = sum(layer.count_params() for layer in model.layers
                if isinstance(layer, keras.layers.Dense))
    return dense / model.count_params()
    # END SOLUTION


ex5.check(dense_share)

# %%
# ex5.hint()
# ex5.solution()

# %% [markdown]
# Na VGG16, a mesma conta (feita aqui com a tabela):

# %%
by_type = vgg_table.groupby("tipo")["parâmetros (Keras)"].sum()
print(f"Conv2D: {fmt.num(by_type['Conv2D'])}   Dense: {fmt.num(by_type['Dense'])}")
print(f"fração nas camadas densas: {fmt.pct(by_type['Dense'] / vgg_total, 1)}")
fc1 = vgg.get_layer("fc1")
print(f"só a fc1, depois do Flatten de {fmt.num(fc1.input.shape[-1])} números: {fmt.num(fc1.count_params())}")

# %% [markdown]
# As 13 convoluções, que fazem todo o trabalho de "ver", têm uma parte pequena dos
# parâmetros; a maior parte está na primeira camada densa, a que recebe o `Flatten` do mapa
# 7×7×512. Se a ponte fosse `GlobalMaxPooling2D`, a `fc1` receberia só um número por canal:

# %%
channels = vgg.get_layer("block5_pool").output.shape[-1]
fc1_gmp = layers.Dense(fc1.units)
fc1_gmp.build((None, channels))
print(f"fc1 depois de GlobalMaxPooling2D: {fmt.num(fc1_gmp.count_params())} parâmetros "
      f"({fmt.num(fc1.count_params() / fc1_gmp.count_params(), 0)} vezes menos)")

# %% [markdown]
# Por isso redes mais recentes (ResNet, MobileNet, EfficientNet) trocam o `Flatten` por um
# *pooling* global antes da cabeça, mas de **média**, `GlobalAveragePooling2D`, e não de
# máximo. O número de parâmetros da cabeça é o mesmo (um número por canal, nos dois casos);
# o que muda é a pergunta que o vetor responde. O máximo diz "este padrão apareceu em algum
# lugar?"; a média diz "quanto deste padrão há na imagem inteira", e todas as posições
# contribuem (e recebem gradiente) no treino. A rede `build_vgg_style` das aulas 08 a 10
# usa a média.

# %% [markdown]
# ## O que você aprendeu
#
# - **Campo receptivo local**: cada saída de uma convolução depende só de uma janela
#   $F \times F \times C_{in}$. **Compartilhamento**: os mesmos pesos valem em toda a imagem,
#   e um detector (como o de olhos) acha o seu padrão onde quer que ele esteja.
# - Por isso uma convolução tem uma fração minúscula dos pesos de uma camada densa com a
#   mesma entrada e a mesma saída; a razão é (tamanho da entrada ÷ tamanho da janela) ×
#   número de posições.
# - Uma camada convolucional tem quatro hiperparâmetros, $K$, $F$, $S$, $P$; a saída tem
#   $W_2 = (W_1 - F + 2P)/S + 1$ e $D_2 = K$. `"same"` dá $\lceil W_1/S \rceil$ e `"valid"`
#   arredonda para baixo.
# - ReLU e *pooling* são camadas sem parâmetros; o *pooling* age canal por canal e torna
#   os mapas menos sensíveis a deslocamentos pequenos.
# - `Flatten` dá $H \cdot W \cdot C$ números; `GlobalMaxPooling2D` (o máximo) e
#   `GlobalAveragePooling2D` (a média, a das redes modernas) dão $C$, aceitam imagens de
#   qualquer tamanho e deixam a cabeça densa muito menor.
# - A cabeça é densa, com softmax na saída: probabilidades que somam 1.
# - Parâmetros: $(F \cdot F \cdot C_{in} + 1) \cdot K$ numa convolução,
#   $(n_{in} + 1) \cdot n_{out}$ numa densa; confira sempre com `count_params()`.
# - Na VGG16, a maior parte dos parâmetros está nas camadas densas, e o total impresso nos
#   slides do IFCE está errado.
#
# ## Fontes
#
# - Ana Raquel. *Deep & Reinforcement Learning — Aula 02: Redes Neurais Convolucionais*.
#   FIAP POSTECH, Data Analytics: a camada convolucional, 6 filtros sobre 32×32×3, ReLU,
#   *max* e *average pooling*, a pilha típica.
# - Jefferson Korte Junior. *Relatório — Card 16: Prática: Redes Neurais Convolucionais 2
#   (Deep Learning)*. Bootcamp LAMIA: 4.800 pesos de convolução contra uma camada densa
#   gigante, `Flatten` e `GlobalMaxPooling2D`, a VGG16.
# - Saulo Oliveira. *08 — Redes Convolucionais*, Aprendizagem Profunda, PPGCC/IFCE, 2023.1
#   (slides): campo receptivo local, compartilhamento de parâmetros, $K$, $F$, $S$, $P$ e a
#   fórmula de $W_2$, *pooling*, camadas densas + softmax e a tabela da VGG16 (com o total
#   corrigido acima).
# - *Camadas convolucionais e Dropout* (tópico opcional de uma disciplina universitária):
#   convolução contra camada densa, o detector de olhos que funciona em qualquer posição,
#   ReLU nos mapas e *pooling*.
# - K. Simonyan e A. Zisserman. *Very Deep Convolutional Networks for Large-Scale Image
#   Recognition*, 2014 (a VGG16).
# - A. Azulay e Y. Weiss. *Why do deep convolutional networks generalize so poorly to small
#   image transformations?* Journal of Machine Learning Research, 20, 2019; R. Zhang.
#   *Making Convolutional Networks Shift-Invariant Again*. ICML, 2019.
#
# Os termos desta aula (mapa de características, passo, preenchimento, ...) estão no
# [glossário do curso](https://github.com/cnn-curso-ptbr/curso-cnn/blob/main/docs/glossario.md).
#
# ## O que ler a seguir
#
# Todos os pesos desta aula eram aleatórios ou escolhidos à mão. Na próxima,
# **04 · Perdas e otimizadores**, você vê como a rede **aprende** os seus: a função de perda
# que mede o erro e os otimizadores (da descida do gradiente ao Adam) que ajustam os pesos.
# Na aula 06 deste curso, uma pilha como esta é treinada de verdade, no MNIST.
